/**
 * End to end, on stacks of their own: the whole stack is killed with SIGKILL
 * while jobs are being submitted, queued and run, then started again on the
 * same storage. Every accepted job must end `succeeded` with its exact
 * result, in exactly one output file. `npm run chaos` runs the same scenario
 * with hundreds of jobs (tests/chaos/crash-hundreds.test.ts).
 */
import { outputCountProblems, runCrashScenario, summary } from './support/crash-scenario.js';

test('finishes every accepted job exactly once, with a correct output, after a SIGKILL of the stack mid-stream', async () => {
  const report = await runCrashScenario({ jobs: 40, killAtAccepted: 25, clients: 6, drainTimeoutMs: 60_000 });
  process.stdout.write(`crash-recovery (e2e): ${summary(report)}\n`);

  expect(report.accepted).toHaveLength(40);
  expect(report.problems).toEqual([]);
  expect(outputCountProblems(report)).toEqual([]);
  expect(report.deadLettered).toBe(0);
  // The kill happened with work left: something was still waiting or running.
  expect((report.atKill.queued ?? 0) + (report.atKill.running ?? 0)).toBeGreaterThan(0);
  expect(report.recovered).toBe((report.atKill.queued ?? 0) + (report.atKill.running ?? 0));
}, 180_000);
