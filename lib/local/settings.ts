/**
 * Settings of the local stack (`npm start`), read once from the environment.
 * The functions read their own configuration (`lib/config.ts`); these are
 * the knobs of the machinery around them: ports, storage root, event source.
 *
 * @module
 */
import path from 'node:path';

/** Everything `scripts/start.ts` needs. */
export interface LocalSettings {
  /** HTTP API port on 127.0.0.1 (`PORT`, 3000). */
  readonly port: number;
  /** SQS emulator port (`SQS_PORT`, 9324). */
  readonly sqsPort: number;
  /** Local DynamoDB (dynalite) port (`DYNAMODB_PORT`, 8000). */
  readonly dynamodbPort: number;
  /** The jobs' table (`JOBS_TABLE`, `dataframe-jobs-local-jobs` as `serverless.yml` names it for stage local). */
  readonly jobsTable: string;
  /** serverless-offline's Lambda `Invoke` API port (`LAMBDA_PORT`, `PORT` + 2). */
  readonly lambdaPort: number;
  /** Absolute storage root (`HDFS_ROOT`, `local-hdfs`). */
  readonly hdfsRoot: string;
  /** Region of the queue ARNs and SDK clients (`AWS_REGION`, us-east-1). */
  readonly region: string;
  /** Worker batches run at once (`MAX_WORKER_CONCURRENCY`, 2; 0 pauses the event source). */
  readonly workerConcurrency: number;
  /** Records per worker batch (`WORKER_BATCH_SIZE`, 10). */
  readonly batchSize: number;
  /** Local visibility timeout in seconds (`WORKER_VISIBILITY_TIMEOUT`, 30). */
  readonly visibilityTimeout: number;
  /** Deliveries before the dead-letter queue (`MAX_RECEIVE_COUNT`, 3). */
  readonly maxReceiveCount: number;
  /** Keep queues and messages across restarts in `<HDFS_ROOT>/.sqs` (`SQS_PERSIST`, on). */
  readonly persistQueues: boolean;
  /** Keep the local DynamoDB's tables across restarts in `<HDFS_ROOT>/.dynamodb` (`DYNAMODB_PERSIST`, on). */
  readonly persistTables: boolean;
  /** Minimum level of the stack's own log lines (`LOG_LEVEL`, info). */
  readonly logLevel: string;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * Reads the local stack's settings.
 *
 * @param env - the environment, `process.env` by default
 * @param cwd - folder a relative `HDFS_ROOT` is resolved against
 * @returns validated settings
 * @throws RangeError naming the variable when a value is out of range
 * @example
 * ```ts
 * const settings = localSettings({ PORT: '3100', HDFS_ROOT: '/tmp/h' });
 * settings.lambdaPort; // 3102
 * ```
 */
export function localSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LocalSettings {
  const port = intFrom(env, 'PORT', 3000, 1, 65535);
  const root = env.HDFS_ROOT && env.HDFS_ROOT.trim() !== '' ? env.HDFS_ROOT : 'local-hdfs';
  const persist = (env.SQS_PERSIST ?? '1').trim().toLowerCase();
  const persistTables = (env.DYNAMODB_PERSIST ?? '1').trim().toLowerCase();
  return {
    port,
    sqsPort: intFrom(env, 'SQS_PORT', 9324, 1, 65535),
    dynamodbPort: intFrom(env, 'DYNAMODB_PORT', 8000, 1, 65535),
    jobsTable: env.JOBS_TABLE && env.JOBS_TABLE.trim() !== '' ? env.JOBS_TABLE : 'dataframe-jobs-local-jobs',
    lambdaPort: intFrom(env, 'LAMBDA_PORT', port + 2 <= 65535 ? port + 2 : port - 2, 1, 65535),
    hdfsRoot: path.resolve(cwd, root),
    region: env.AWS_REGION && env.AWS_REGION.trim() !== '' ? env.AWS_REGION : 'us-east-1',
    workerConcurrency: intFrom(env, 'MAX_WORKER_CONCURRENCY', 2, 0, 64),
    batchSize: intFrom(env, 'WORKER_BATCH_SIZE', 10, 1, 10),
    visibilityTimeout: intFrom(env, 'WORKER_VISIBILITY_TIMEOUT', 30, 1, 43_200),
    maxReceiveCount: intFrom(env, 'MAX_RECEIVE_COUNT', 3, 1, 1000),
    persistQueues: !['0', 'false', 'no', 'off'].includes(persist),
    persistTables: !['0', 'false', 'no', 'off'].includes(persistTables),
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
