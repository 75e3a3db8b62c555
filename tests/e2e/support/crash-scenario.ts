/**
 * The crash scenario shared by the end-to-end suite (a few dozen jobs) and
 * `npm run chaos` (hundreds): jobs are submitted while the worker runs, the
 * whole stack is killed with SIGKILL in the middle of the stream, started
 * again on the same storage, and the rest of the jobs are submitted to the
 * new stack. The caller then checks that every accepted job ended with its
 * exact result, once.
 *
 * @module
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startLocalDynamo } from '../../../lib/local/dynamodb-server.js';
import { localSettings } from '../../../lib/local/settings.js';
import { call, makeToken, type Job } from './client.js';
import {
  listResults,
  outputProblems,
  submitMany,
  waitAllTerminal,
  type AcceptedJob,
  type ResultsListing,
} from './job-batch.js';
import { spawnStack, type StackProcess } from './stack-process.js';
import { prepareStorage } from './storage-layout.js';

/** Options of {@link runCrashScenario}. */
export interface CrashOptions {
  /** Jobs to have accepted in all, across both stacks. */
  readonly jobs: number;
  /** Accepted jobs after which the first stack is killed. */
  readonly killAtAccepted: number;
  /** Concurrent submitting clients. */
  readonly clients: number;
  /** Time allowed, after the restart, for every job to end. */
  readonly drainTimeoutMs: number;
}

/** Everything the scenario observed. */
export interface CrashReport {
  readonly accepted: AcceptedJob[];
  /** Submissions in flight when the stack died, that got no answer. */
  readonly unanswered: number;
  /** Non-202 answers by status, over both stacks. */
  readonly refused: Record<number, number>;
  /** Job documents on the storage right after the kill, by status. */
  readonly atKill: Record<string, number>;
  /** The `Recovered N unfinished job(s)` figure printed by the restarted stack. */
  readonly recovered: number;
  /** Every job of the user at the end (accepted ones and any whose submission got no answer). */
  readonly jobs: Map<string, Job>;
  readonly results: ResultsListing;
  /**
   * Outputs whose job `GET /jobs` does not list: each with what `GET /jobs/{id}`
   * answers (the status, and the job's own status when found).
   */
  readonly unlisted: Map<string, string>;
  /**
   * Messages the dead-letter function received, by its log lines in both stacks' output (none expected:
   * a crash of the whole stack is not a job's failure).
   */
  readonly deadLettered: number;
  /** Problems with accepted jobs' outcomes and outputs; empty when all is right. */
  readonly problems: string[];
  readonly timings: { submitBeforeKillMs: number; restartMs: number; drainMs: number };
}

/**
 * How many jobs the killed stack's table holds per status: its dynalite folder opened by a server of
 * this process (the stack's is dead), read, and closed again before the restart needs it.
 */
async function statusesOnDisk(root: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const db = await startLocalDynamo({ port: 0, dataDir: path.join(root, '.dynamodb') });
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    let start: Record<string, unknown> | undefined;
    do {
      // A test's look at the whole table: the service itself never scans.
      const page = await client.send(
        new ScanCommand({
          TableName: localSettings({}).jobsTable,
          FilterExpression: 'begins_with(pk, :job)',
          ExpressionAttributeValues: { ':job': 'job#' },
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) {
        const status = typeof item.status === 'string' ? item.status : 'unknown';
        counts[status] = (counts[status] ?? 0) + 1;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
    await db.stop();
  }
  return counts;
}

/**
 * Runs the scenario on a fresh storage with stacks of its own (stopped and
 * removed at the end, even on failure).
 */
export async function runCrashScenario(options: CrashOptions): Promise<CrashReport> {
  const layout = await prepareStorage();
  const secret = randomBytes(24).toString('hex');
  // One user submits every job: neither limit may refuse any of them.
  const env = {
    WORKER_VISIBILITY_TIMEOUT: '2',
    MAX_QUEUED_JOBS: String(options.jobs * 2),
    MAX_QUEUED_JOBS_PER_USER: String(options.jobs * 2),
  };
  let stack: StackProcess | undefined;
  try {
    stack = await spawnStack({ root: layout.root, jwtSecret: secret, env });
    const first = stack;
    const token = await makeToken(secret, { sub: 'crash-survivor', exp: '2h' });
    const indices = Array.from({ length: options.jobs }, (_, i) => i);

    let t0 = Date.now();
    let killed = false;
    const before = await submitMany({
      url: first.url,
      token,
      indices,
      clients: options.clients,
      onAccepted: (count) => {
        if (killed || count < options.killAtAccepted) return;
        // A crash: every process of the stack dies at once, with submissions still in flight.
        killed = true;
        first.kill('SIGKILL');
        return 'stop';
      },
    });
    const submitBeforeKillMs = Date.now() - t0;
    if (!killed) first.kill('SIGKILL');
    await first.exited;
    const firstOutput = first.output();
    await first.stop();
    const atKill = await statusesOnDisk(layout.root);

    t0 = Date.now();
    stack = await spawnStack({ root: layout.root, jwtSecret: secret, env });
    const restartMs = Date.now() - t0;
    const recovered = Number(/Recovered\s+(\d+) unfinished/.exec(stack.output())?.[1] ?? NaN);

    t0 = Date.now();
    const submittedIds = new Set(before.accepted.map((a) => a.planned.index));
    const after = await submitMany({
      url: stack.url,
      token,
      indices: indices.filter((i) => !submittedIds.has(i)).slice(0, options.jobs - before.accepted.length),
      clients: options.clients,
    });
    const jobs = await waitAllTerminal(stack.url, token, options.drainTimeoutMs);
    const drainMs = Date.now() - t0;

    const accepted = [...before.accepted, ...after.accepted];
    const results = await listResults(layout.root);
    const unlisted = new Map<string, string>();
    for (const id of results.byJob.keys()) {
      if (jobs.has(id)) continue;
      const res = await call(stack.url, 'GET', `/jobs/${id}`, { token });
      unlisted.set(
        id,
        `GET /jobs/${id} → ${res.status}${res.status === 200 ? ` ${(res.body as Job).status}` : ''}`,
      );
    }
    const deadLettered = (firstOutput + stack.output()).split('dead-lettered job').length - 1;
    const refused = { ...before.refused };
    for (const [status, n] of Object.entries(after.refused))
      refused[Number(status)] = (refused[Number(status)] ?? 0) + n;
    return {
      accepted,
      unanswered: before.unanswered + after.unanswered,
      refused,
      atKill,
      recovered,
      jobs,
      results,
      unlisted,
      deadLettered,
      problems: await outputProblems(layout.root, accepted, jobs),
      timings: { submitBeforeKillMs, restartMs, drainMs },
    };
  } finally {
    await stack?.stop();
    if (!process.env.E2E_KEEP) await rm(layout.base, { recursive: true, force: true });
  }
}

/**
 * Files of the results folder that break "exactly one output per job":
 * jobs with several files, accepted jobs without one, and files of no known job.
 */
export function outputCountProblems(report: CrashReport): string[] {
  const problems: string[] = [];
  for (const [id, files] of report.results.byJob) {
    if (files.length !== 1) problems.push(`${id}: ${files.length} outputs (${files.join(', ')})`);
    // A job the service ran must be one its user can find in GET /jobs.
    const unlisted = report.unlisted.get(id);
    if (unlisted) problems.push(`${files.join(', ')}: its job is missing from GET /jobs (${unlisted})`);
  }
  for (const { id } of report.accepted) if (!report.results.byJob.has(id)) problems.push(`${id}: no output`);
  return problems;
}

/** A one-line summary for the test log. */
export function summary(report: CrashReport): string {
  const retried = [...report.jobs.values()].filter((j) => j.attempts > 1).length;
  return (
    `accepted ${report.accepted.length}, unanswered at the kill ${report.unanswered}, ` +
    `refused ${JSON.stringify(report.refused)}; on disk at the kill ${JSON.stringify(report.atKill)}; ` +
    `recovered ${report.recovered}; dead-lettered ${report.deadLettered}; outputs ${report.results.byJob.size}, temporary leftovers ${report.results.temporary.length}; ` +
    `jobs run more than once ${retried}; submit→kill ${report.timings.submitBeforeKillMs} ms, ` +
    `restart ${report.timings.restartMs} ms, resubmit+drain ${report.timings.drainMs} ms`
  );
}
