/**
 * The whole local stack, in order: SQS server, queues, DynamoDB server and
 * the jobs' table, recovery of unfinished jobs, serverless-offline (HTTP API and the functions), event source.
 *
 * @module
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ensureJobTable } from '../jobs/job-table.js';
import { spawnLocalDynamo } from './dynamodb-process.js';
import type { LocalDynamo } from './dynamodb-server.js';
import { SqsEventSource } from './event-source.js';
import type { LocalLogger } from './local-log.js';
import { startOffline, type OfflineProcess } from './offline.js';
import { engineSettings, runtimeHeapMb } from '../engine/settings.js';
import { RuntimePool } from './runtime-pool.js';
import { assertPortFree } from './ports.js';
import { ensureQueues, type QueueRefs } from './queues.js';
import type { LocalSettings } from './settings.js';
import { startLocalSqs, type LocalSqs } from './sqs-server.js';

/** Name of the service and stage, as in `serverless.yml`: function names are `<service>-<stage>-<key>`. */
export const SERVICE_NAME = 'dataframe-jobs';
/** The stage serverless-offline runs. */
export const LOCAL_STAGE = 'local';

/** Unix nice value of the local worker processes (see `RuntimePoolOptions.nice`). */
export const WORKER_NICE = 10;

/** The worker function as `serverless.yml` declares it (a unit test keeps both in step). */
export const WORKER_FUNCTION = {
  key: 'worker',
  exportName: 'handler',
  timeoutSeconds: 300,
  memorySize: 3538,
} as const;

/** The dead-letter function as `serverless.yml` declares it (a unit test keeps both in step). */
export const DEAD_LETTER_FUNCTION = {
  key: 'deadLetter',
  file: 'dead-letter',
  exportName: 'handler',
  timeoutSeconds: 30,
  memorySize: 512,
} as const;

/** A function the stack runs in its own processes (the worker, the dead-letter function). */
export interface PooledFunction {
  readonly key: string;
  readonly memorySize: number;
}

/** What the stack needs from the service code, injected by the start script. */
export interface StackHooks {
  /**
   * Puts jobs left `queued` or `running` by a previous run back on the queue.
   * Called once the queues exist and `process.env` holds the functions'
   * configuration, before the API serves. Returns how many were re-enqueued,
   * and how many had used all their attempts and were failed instead.
   */
  recover(): Promise<{ readonly requeued: number; readonly failed: number }>;
}

/** A running local stack. */
export interface LocalStack {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly sqsEndpoint: string;
  /** The local DynamoDB server (dynalite), e.g. `http://127.0.0.1:8000`. */
  readonly dynamodbEndpoint: string;
  readonly queues: QueueRefs;
  /** Absolute storage root. */
  readonly hdfsRoot: string;
  /** Jobs re-enqueued at startup. */
  readonly recovered: number;
  /** Jobs found unfinished at startup with all their attempts used, failed (`worker_crashed`) instead. */
  readonly failedAtRecovery: number;
  /** Resolves if serverless-offline ends on its own (a crash): the stack is then unusable. */
  readonly offlineExited: Promise<number | string>;
  /** Stops the event source, serverless-offline and the SQS server. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalStack}. */
export interface StackOptions {
  readonly settings: LocalSettings;
  readonly hooks: StackHooks;
  readonly log: LocalLogger;
  /** The service folder (where `serverless.yml` is). */
  readonly serviceDir: string;
  /** Build folder name under `.esbuild/`, unique per concurrently running stack. */
  readonly buildName: string;
  /** Time allowed for bundling and starting serverless-offline. */
  readonly readyTimeoutMs?: number;
  /** Time in-flight worker batches get to finish on stop. */
  readonly stopGraceMs?: number;
}

/**
 * The variables the functions read (see `serverless.yml`, stage `local`).
 * They are also set on this process, so that the recovery hook, which uses
 * the service's own configuration, sees the same queue and storage.
 */
export function functionEnv(
  settings: LocalSettings,
  sqs: LocalSqs,
  queues: QueueRefs,
  dynamo: LocalDynamo,
): Record<string, string> {
  return {
    JOBS_TABLE: settings.jobsTable,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    HDFS_ROOT: settings.hdfsRoot,
    COMPUTE_QUEUE_URL: queues.jobsUrl,
    COMPUTE_DLQ_URL: queues.deadLetterUrl,
    SQS_ENDPOINT: sqs.endpoint,
    AWS_REGION: settings.region,
    MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
  };
}

/**
 * The environment of the worker's runtime processes: what serverless-offline
 * gives a function of stage `local` (every variable of `provider.environment`
 * in `serverless.yml`, the Lambda ones, `IS_OFFLINE`), on top of this
 * process's (AWS credentials, PATH).
 *
 * @param base - this process's environment
 * @param functionVariables - the stack's {@link functionEnv}
 * @param version - the service version (`package.json`)
 * @param fn - the function (the worker by default; the dead-letter function runs the same way)
 * @returns the complete environment
 */
export function workerRuntimeEnv(
  base: NodeJS.ProcessEnv,
  functionVariables: Readonly<Record<string, string>>,
  version: string,
  fn: PooledFunction = WORKER_FUNCTION,
): Record<string, string | undefined> {
  return {
    ...base,
    AWS_ACCESS_KEY_ID: base.AWS_ACCESS_KEY_ID || 'local',
    AWS_SECRET_ACCESS_KEY: base.AWS_SECRET_ACCESS_KEY || 'local',
    JWT_SECRET: base.JWT_SECRET ?? '',
    JWT_SECRET_PARAM: '',
    JWT_ISSUER: base.JWT_ISSUER ?? '',
    JWT_AUDIENCE: base.JWT_AUDIENCE ?? '',
    JWT_PUBLIC_KEY: base.JWT_PUBLIC_KEY ?? '',
    JWT_JWKS_URL: base.JWT_JWKS_URL ?? '',
    JWT_MAX_TTL: base.JWT_MAX_TTL ?? '',
    JWT_CLOCK_SKEW: base.JWT_CLOCK_SKEW ?? '',
    MAX_QUEUED_JOBS: base.MAX_QUEUED_JOBS ?? '1000',
    MAX_QUEUED_JOBS_PER_USER: base.MAX_QUEUED_JOBS_PER_USER ?? '100',
    JOB_RETENTION_DAYS: base.JOB_RETENTION_DAYS ?? '30',
    STORAGE_SCOPE: base.STORAGE_SCOPE ?? 'shared',
    ALLOW_HARD_LINKS: base.ALLOW_HARD_LINKS ?? 'false',
    LOG_LEVEL: base.LOG_LEVEL ?? 'INFO',
    SERVICE_VERSION: version,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    NODE_OPTIONS: '--enable-source-maps',
    ...functionVariables,
    IS_OFFLINE: 'true',
    AWS_LAMBDA_FUNCTION_NAME: `${SERVICE_NAME}-${LOCAL_STAGE}-${fn.key}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
  };
}

async function serviceVersion(serviceDir: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(serviceDir, 'package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

/**
 * Starts the local stack. On failure, whatever was started is stopped again.
 *
 * @param options - settings, hooks, logger and folders
 * @returns the running stack
 * @throws Error when a port is taken, the SQS server or serverless-offline cannot start, or recovery fails
 */
export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  const { settings, log } = options;
  await assertPortFree(settings.port, 'PORT');
  await assertPortFree(settings.lambdaPort, 'LAMBDA_PORT');
  await assertPortFree(settings.sqsPort, 'SQS_PORT');
  await assertPortFree(settings.dynamodbPort, 'DYNAMODB_PORT');
  await mkdir(settings.hdfsRoot, { recursive: true });

  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: unknown) =>
        log('warn', 'stopping a part of the stack failed', { error: String(err) }),
      );
    }
  };
  try {
    const sqs = await startLocalSqs({
      port: settings.sqsPort,
      region: settings.region,
      ...(settings.persistQueues ? { dataDir: path.join(settings.hdfsRoot, '.sqs') } : {}),
    });
    cleanups.push(() => sqs.stop());
    const client = new SQSClient({
      endpoint: sqs.endpoint,
      region: settings.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(async () => client.destroy());
    const queues = await ensureQueues(client, {
      endpoint: sqs.endpoint,
      visibilityTimeout: settings.visibilityTimeout,
      maxReceiveCount: settings.maxReceiveCount,
    });
    // Job state: persisted beside the queues' database, so that a SIGKILL and restart lose nothing
    // (DYNAMODB_PERSIST=0 keeps it in memory, as a test of a failing storage needs: DynamoDB in AWS
    // does not live on the shared file system, and its open files would keep a remount busy).
    const dynamo = await spawnLocalDynamo({
      port: settings.dynamodbPort,
      ...(settings.persistTables ? { dataDir: path.join(settings.hdfsRoot, '.dynamodb') } : {}),
    });
    cleanups.push(() => dynamo.stop());
    const dynamoClient = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: settings.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(async () => dynamoClient.destroy());
    if (await ensureJobTable(dynamoClient, settings.jobsTable)) {
      log('info', 'jobs table created', { table: settings.jobsTable });
    }
    const env = functionEnv(settings, sqs, queues, dynamo);
    Object.assign(process.env, env);
    const recovery = await options.hooks.recover();

    const offline: OfflineProcess = await startOffline({
      serviceDir: options.serviceDir,
      stage: LOCAL_STAGE,
      httpPort: settings.port,
      lambdaPort: settings.lambdaPort,
      buildName: options.buildName,
      env,
      readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
      log,
    });
    cleanups.push(() => offline.stop());

    // serverless-offline runs the HTTP functions in its process; the worker gets its own (runtime-pool.ts).
    const bundleOf = (file: string): string =>
      path.join(options.serviceDir, '.esbuild', options.buildName, '.build', 'functions', `${file}.mjs`);
    const version = await serviceVersion(options.serviceDir);
    const runtimeEnv = workerRuntimeEnv(process.env, env, version);
    const workers = new RuntimePool({
      bundle: bundleOf('worker'),
      exportName: WORKER_FUNCTION.exportName,
      functionName: `${SERVICE_NAME}-${LOCAL_STAGE}-${WORKER_FUNCTION.key}`,
      size: Math.max(1, settings.workerConcurrency),
      timeoutMs: WORKER_FUNCTION.timeoutSeconds * 1000,
      // DuckDB's memory limit and the heap together fit in the function's memory, as in Lambda.
      heapMb: runtimeHeapMb(WORKER_FUNCTION.memorySize, engineSettings(runtimeEnv).memoryLimitMb),
      // On one machine the API and the worker share the cores: a burst of submissions is answered
      // first and waits in the queue, as it would with Lambda's separate capacity.
      nice: WORKER_NICE,
      env: runtimeEnv,
      log,
    });
    cleanups.push(() => workers.stop());
    // The DLQ is consumed as in AWS: by the dead-letter function, through an event source of its own.
    const deadLetters = new RuntimePool({
      bundle: bundleOf(DEAD_LETTER_FUNCTION.file),
      exportName: DEAD_LETTER_FUNCTION.exportName,
      functionName: `${SERVICE_NAME}-${LOCAL_STAGE}-${DEAD_LETTER_FUNCTION.key}`,
      size: 1,
      timeoutMs: DEAD_LETTER_FUNCTION.timeoutSeconds * 1000,
      // No DuckDB in this function: the heap may have its whole memory.
      heapMb: DEAD_LETTER_FUNCTION.memorySize,
      env: workerRuntimeEnv(process.env, env, version, DEAD_LETTER_FUNCTION),
      log,
    });
    cleanups.push(() => deadLetters.stop());

    const source = new SqsEventSource({
      client,
      queueUrl: queues.jobsUrl,
      queueArn: queues.jobsArn,
      region: settings.region,
      invoke: workers.invoke,
      concurrency: settings.workerConcurrency,
      batchSize: settings.batchSize,
      visibilityTimeout: settings.visibilityTimeout,
      log,
    });
    source.start();
    cleanups.push(() => source.stop(options.stopGraceMs ?? 3000));
    const deadLetterSource = new SqsEventSource({
      client,
      queueUrl: queues.deadLetterUrl,
      queueArn: queues.deadLetterArn,
      region: settings.region,
      invoke: deadLetters.invoke,
      // Runs even when the worker is paused (MAX_WORKER_CONCURRENCY=0): ending dead jobs is not the worker's work.
      concurrency: 1,
      batchSize: 10,
      visibilityTimeout: settings.visibilityTimeout,
      log,
    });
    deadLetterSource.start();
    cleanups.push(() => deadLetterSource.stop(options.stopGraceMs ?? 3000));

    let stopping: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${settings.port}`,
      sqsEndpoint: sqs.endpoint,
      dynamodbEndpoint: dynamo.endpoint,
      queues,
      hdfsRoot: settings.hdfsRoot,
      recovered: recovery.requeued,
      failedAtRecovery: recovery.failed,
      offlineExited: offline.exited,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
