import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RuntimePool } from '../../lib/local/runtime-pool.js';
import type { QueueRefs } from '../../lib/local/queues.js';
import { localSettings } from '../../lib/local/settings.js';
import type { LocalDynamo } from '../../lib/local/dynamodb-server.js';
import type { LocalSqs } from '../../lib/local/sqs-server.js';
import {
  DEAD_LETTER_FUNCTION,
  functionEnv,
  WORKER_FUNCTION,
  workerRuntimeEnv,
} from '../../lib/local/stack.js';

/** A function bundle whose behaviour the event chooses. */
const BUNDLE = `
export const handler = async (event, context) => {
  if (event.do === 'throw') throw new Error('boom');
  if (event.do === 'hang') return new Promise(() => setInterval(() => {}, 1000));
  if (event.do === 'crash') process.exit(3);
  if (event.do === 'sleep') await new Promise((r) => setTimeout(r, event.ms));
  if (event.do === 'priority') return { priority: (await import('node:os')).getPriority() };
  if (event.do === 'heap') return { heapMb: (await import('node:v8')).getHeapStatistics().heap_size_limit / 2 ** 20 };
  return { pid: process.pid, name: context.functionName, left: context.getRemainingTimeInMillis() > 0,
           env: process.env.MARK };
};
`;

let dir: string;
let bundle: string;
const pools: RuntimePool[] = [];
const log = (): void => undefined;
function pool(size = 1, timeoutMs = 5000): RuntimePool {
  const p = new RuntimePool({
    bundle,
    exportName: 'handler',
    functionName: 'svc-local-worker',
    size,
    timeoutMs,
    env: { ...process.env, MARK: 'marked' },
    log,
  });
  pools.push(p);
  return p;
}
const pidOf = (payload: unknown): number => (payload as { pid: number }).pid;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runtime-'));
  bundle = path.join(dir, 'fn.mjs');
  await writeFile(bundle, BUNDLE);
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the local runtime pool', () => {
  test('runs the handler in a warm process with a Lambda context and the given environment', async () => {
    const p = pool();
    const first = await p.invoke({});
    const second = await p.invoke({});
    expect(first).toEqual({
      ok: true,
      payload: expect.objectContaining({ name: 'svc-local-worker', left: true, env: 'marked' }),
    });
    expect(first.ok && second.ok && pidOf(first.payload) === pidOf(second.payload)).toBe(true);
    expect(pidOf(first.ok ? first.payload : null)).not.toBe(process.pid);
  });

  test('reports a thrown error as a failed invocation and keeps the process', async () => {
    const p = pool();
    expect(await p.invoke({ do: 'throw' })).toEqual({ ok: false, error: 'boom' });
    expect((await p.invoke({})).ok).toBe(true);
  });

  test('kills an invocation that outlives the timeout and starts a fresh process after it', async () => {
    const p = pool(1, 700);
    const warm = await p.invoke({});
    const started = Date.now();
    expect(await p.invoke({ do: 'hang' })).toEqual({
      ok: false,
      error: 'the function timed out after 700 ms',
    });
    expect(Date.now() - started).toBeLessThan(3000);
    const next = await p.invoke({});
    expect(next.ok && warm.ok && pidOf(next.payload) !== pidOf(warm.payload)).toBe(true);
  });

  test('fails only the invocation whose process crashed', async () => {
    const p = pool();
    const crashed = await p.invoke({ do: 'crash' });
    expect(crashed).toEqual({ ok: false, error: expect.stringMatching(/exited \(code 3\)/) });
    expect((await p.invoke({})).ok).toBe(true);
  });

  test('runs at most its size of invocations at once', async () => {
    const p = pool(2);
    await Promise.all([p.invoke({}), p.invoke({})]); // both processes warm
    const started = Date.now();
    const outcomes = await Promise.all([1, 2, 3].map(() => p.invoke({ do: 'sleep', ms: 400 })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(new Set(outcomes.map((o) => (o.ok ? pidOf(o.payload) : 0))).size).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(780);
  });

  test('abandons an invocation when its signal aborts', async () => {
    const p = pool();
    const controller = new AbortController();
    const pending = p.invoke({ do: 'hang' }, controller.signal);
    setTimeout(() => controller.abort(), 300);
    expect(await pending).toEqual({ ok: false, error: expect.stringMatching(/exited/) });
  });

  test('loads a rebuilt bundle in a new process', async () => {
    const p = pool();
    const before = await p.invoke({});
    const later = new Date(Date.now() + 5000);
    await utimes(bundle, later, later);
    const after = await p.invoke({});
    expect(before.ok && after.ok && pidOf(before.payload) !== pidOf(after.payload)).toBe(true);
  });

  test('runs its processes at the niceness it is given', async () => {
    const p = new RuntimePool({
      bundle,
      exportName: 'handler',
      functionName: 'f',
      size: 1,
      timeoutMs: 5000,
      nice: 7,
      env: process.env,
      log,
    });
    pools.push(p);
    expect(await p.invoke({ do: 'priority' })).toEqual({ ok: true, payload: { priority: 7 } });
  });

  test('runs its processes with the heap limit it is given, not the whole function memory', async () => {
    const p = new RuntimePool({
      bundle,
      exportName: 'handler',
      functionName: 'f',
      size: 1,
      timeoutMs: 5000,
      heapMb: 300,
      env: process.env,
      log,
    });
    pools.push(p);
    const outcome = await p.invoke({ do: 'heap' });
    // The limit V8 reports adds the young generation (a few dozen MB) to the old space.
    const heapMb = (outcome as { payload: { heapMb: number } }).payload.heapMb;
    expect(heapMb).toBeGreaterThanOrEqual(300);
    expect(heapMb).toBeLessThan(400);
  });

  test('reports a bundle that cannot load', async () => {
    const broken = path.join(dir, 'broken.mjs');
    await writeFile(broken, 'export const other = 1;\n');
    const p = new RuntimePool({
      bundle: broken,
      exportName: 'handler',
      functionName: 'f',
      size: 1,
      timeoutMs: 5000,
      env: process.env,
      log,
    });
    pools.push(p);
    expect(await p.invoke({})).toEqual({
      ok: false,
      error: expect.stringMatching(/could not start: .*exports no function handler/),
    });
  });
});

describe('the worker runtime', () => {
  test('matches the worker of serverless.yml: handler, timeout, memory and every environment variable', async () => {
    const yml = await readFile(path.join(import.meta.dirname, '../../serverless.yml'), 'utf8');
    const worker = /\n {2}worker:\n([\s\S]*?)\n {2}\S/.exec(yml)?.[1] ?? '';
    expect(worker).toContain(`handler: functions/worker.${WORKER_FUNCTION.exportName}`);
    expect(worker).toMatch(new RegExp(`memorySize: ${WORKER_FUNCTION.memorySize}\\b`));
    expect(yml).toMatch(new RegExp(`workerTimeout: ${WORKER_FUNCTION.timeoutSeconds}\\b`));
    const environment = /\n {2}environment:\n((?: {4}.*\n)+)/.exec(yml)?.[1] ?? '';
    const names = [...environment.matchAll(/^ {4}([A-Z_]+):/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(8);
    const stackVariables = functionEnv(
      localSettings({}, '/repo'),
      { endpoint: 'http://127.0.0.1:9324' } as LocalSqs,
      { jobsUrl: 'http://q/jobs', deadLetterUrl: 'http://q/dlq' } as QueueRefs,
      { endpoint: 'http://127.0.0.1:8000' } as LocalDynamo,
    );
    const env = workerRuntimeEnv({}, stackVariables, '1.2.3');
    for (const name of names) expect({ name, set: env[name] !== undefined }).toEqual({ name, set: true });
  });

  test('runs the dead-letter function of serverless.yml: its handler file, timeout and name', async () => {
    const yml = await readFile(path.join(import.meta.dirname, '../../serverless.yml'), 'utf8');
    const fn =
      new RegExp(`\\n {2}${DEAD_LETTER_FUNCTION.key}:\\n([\\s\\S]*?)\\n {2}\\S`).exec(yml)?.[1] ?? '';
    expect(fn).toContain(
      `handler: functions/${DEAD_LETTER_FUNCTION.file}.${DEAD_LETTER_FUNCTION.exportName}`,
    );
    expect(fn).toMatch(new RegExp(`timeout: ${DEAD_LETTER_FUNCTION.timeoutSeconds}\\b`));
    expect(fn).toContain('arn: !GetAtt ComputeJobsDlq.Arn');
    const env = workerRuntimeEnv({}, {}, '1.2.3', DEAD_LETTER_FUNCTION);
    expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe('dataframe-jobs-local-deadLetter');
    expect(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe(String(DEAD_LETTER_FUNCTION.memorySize));
  });
});
