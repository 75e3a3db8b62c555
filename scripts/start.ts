/**
 * `npm start`: the whole service on 127.0.0.1, nothing installed by hand.
 *
 * SQS server (fauxqs, in-process) → queues `compute-jobs` + `compute-jobs-dlq` → recovery of the jobs
 * a previous run left unfinished → `serverless offline` (HTTP API + functions, child process) → the
 * event source that feeds the worker function. Prints the URL, the storage root and a token, then a
 * line `Stack ready: <url>` that scripts and tests wait for. Ctrl-C or SIGTERM stops everything.
 *
 * Environment: PORT (3000), SQS_PORT (9324), DYNAMODB_PORT (8000), JOBS_TABLE, LAMBDA_PORT (PORT+2), HDFS_ROOT (local-hdfs), JWT_SECRET,
 * MAX_QUEUED_JOBS (1000), MAX_QUEUED_JOBS_PER_USER (100), MAX_WORKER_CONCURRENCY (2; 0 pauses the worker), WORKER_BATCH_SIZE (10),
 * WORKER_VISIBILITY_TIMEOUT (30 s), MAX_RECEIVE_COUNT (3), SQS_PERSIST (1), DYNAMODB_PERSIST (1), LOG_LEVEL (info).
 *
 * For fault tests, SQS_OUTAGE_SIGNAL (unset): a signal, e.g. SIGUSR2, that closes the SQS server's
 * listener (connections refused) and, sent again, reopens it on the same port; see
 * `lib/local/sqs-server.ts`. Send it to this process only (`kill -USR2 <pid>`), not to its group.
 * WORKER_CRASH_INPUT (unset): a storage path; the worker's process kills itself (SIGKILL) on every job
 * reading it, as an input that exhausts its memory would (`lib/service/fault-injection.ts`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { jsonLogger } from '../lib/local/local-log.js';
import { localSettings } from '../lib/local/settings.js';
import { startLocalStack, type LocalStack } from '../lib/local/stack.js';
import { serviceHooks } from './start-hooks.js';

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** How long `token` lives, for people: `12 h`, `45 min`. */
function lifetime(token: string): string {
  const { iat = 0, exp = 0 } = decodeJwt(token);
  const seconds = exp - iat;
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

async function main(): Promise<void> {
  const settings = localSettings();
  const log = jsonLogger(settings.logLevel);
  const hooks = await serviceHooks();
  // Set once started; the signal handlers, installed before, stop whatever exists.
  const running: { stack?: LocalStack } = {};
  let exiting = false;
  const shutdown = async (code: number, reason: string): Promise<void> => {
    if (exiting) return;
    exiting = true;
    log('info', 'stopping the local stack', { reason });
    await running.stack?.stop();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // A second Ctrl-C while stopping means "now".
      if (exiting) process.exit(130);
      void shutdown(0, signal);
    });
  }

  const stack = await startLocalStack({
    settings,
    hooks,
    log,
    serviceDir,
    buildName: process.env.ESBUILD_WORK_NAME || 'local',
  });
  running.stack = stack;
  void stack.offlineExited.then((code) => {
    // While stopping, its exit is expected.
    if (exiting) return;
    log('error', 'serverless offline stopped unexpectedly', { code });
    void shutdown(1, 'serverless offline exited');
  });

  let token: string;
  try {
    token = await hooks.token('demo');
  } catch (err) {
    log('error', 'could not sign the demo token', {
      error: err instanceof Error ? err.message : String(err),
    });
    return shutdown(1, 'token');
  }
  const lines = [
    '',
    'dataframe-jobs: local stack',
    `  API        ${stack.url}`,
    `  SQS        ${stack.sqsEndpoint}  (queues compute-jobs, compute-jobs-dlq)`,
    `  DynamoDB   ${stack.dynamodbEndpoint}  (table ${settings.jobsTable}, data in ${stack.hdfsRoot}/.dynamodb)`,
    `  Storage    ${stack.hdfsRoot}`,
    `  Worker     concurrency ${settings.workerConcurrency}${settings.workerConcurrency === 0 ? ' (paused)' : ''}, ` +
      `batch ${settings.batchSize}, visibility ${settings.visibilityTimeout} s, ${settings.maxReceiveCount} deliveries`,
    `  Recovered  ${stack.recovered} unfinished job(s) put back on the queue` +
      (stack.failedAtRecovery > 0
        ? `; ${stack.failedAtRecovery} failed instead (worker_crashed: every attempt used)`
        : ''),
    `  Token      (sub demo, valid ${lifetime(token)}; more with: npm run token -- --sub NAME)`,
    `             ${token}`,
    '',
    `  curl -H "Authorization: Bearer <token>" ${stack.url}/health`,
    '',
    `Stack ready: ${stack.url}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
