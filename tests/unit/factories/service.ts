import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '../../../lib/auth/token.js';
import { createVerifier } from '../../../lib/auth/verifier.js';
import { loadConfig } from '../../../lib/config.js';
import { QueueUnavailableError } from '../../../lib/errors.js';
import { JobStore } from '../../../lib/jobs/job-store.js';
import { testJobTable } from './job-table.js';
import { createLogger } from '../../../lib/log/logger.js';
import { Backlog } from '../../../lib/queue/backlog.js';
import type { JobQueue } from '../../../lib/queue/job-queue.js';
import type { ServiceDeps } from '../../../lib/service/deps.js';
import { Storage } from '../../../lib/storage/storage.js';

export const SECRET = 'unit-test-secret-0123456789abcdef';

/** A queue kept in memory: the unit tests' stand-in for SQS (the e2e suites use the real protocol). */
export class MemoryQueue implements JobQueue {
  readonly sent: string[] = [];
  down = false;
  waiting = 0;
  /** Delays asked for, by job id (a re-sent job's last one). */
  readonly delays = new Map<string, number>();
  async enqueue(jobId: string, delaySeconds = 0): Promise<void> {
    if (this.down) throw new QueueUnavailableError();
    this.sent.push(jobId);
    if (delaySeconds > 0) this.delays.set(jobId, delaySeconds);
  }
  async depth(): Promise<number> {
    if (this.down) throw new QueueUnavailableError();
    return this.waiting;
  }
}

/** A service over a fresh temporary storage holding `in/sales.csv`, and its cleanup. */
export async function testService(): Promise<{
  deps: ServiceDeps;
  queue: MemoryQueue;
  root: string;
  cleanup: () => Promise<void>;
}> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'service-'));
  await mkdir(path.join(root, 'in'));
  await writeFile(path.join(root, 'in', 'sales.csv'), 'region,amount\nnord,1.5\nsud,\nnord,2\n');
  await writeFile(path.join(root, 'in', 'people.json'), '[{"name":"a"},{"name":"b"}]');
  const config = {
    ...loadConfig({ HDFS_ROOT: root, JWT_SECRET: SECRET, MAX_QUEUED_JOBS: '3', LOG_LEVEL: 'SILENT' }),
  };
  const storage = new Storage(root);
  const queue = new MemoryQueue();
  const deps: ServiceDeps = {
    config,
    storage,
    store: new JobStore(storage, await testJobTable(), { retentionDays: 30 }),
    queue,
    // Read on every submission, so that a test's `queue.waiting` applies at once.
    backlog: new Backlog(queue, 0),
    logger: createLogger('SILENT'),
    verifier: createVerifier(config.auth, async () => SECRET),
  };
  return { deps, queue, root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A valid token for `sub`. */
export const tokenFor = (sub = 'alice'): Promise<string> => signToken({ sub, ttl: '10m' }, SECRET);
