/**
 * The service's configuration, read from the environment once.
 *
 * @module
 */
import { z } from 'zod';
import { authConfigFrom, AuthEnvSchema, type AuthConfig } from './auth/auth-config.js';
import { STORAGE_SCOPES, type StorageScope } from './storage/user-scope.js';

/**
 * The JWT secret used when `JWT_SECRET` is not set: the development value
 * "hard-coded in the API" of the brief. Deployed stages take theirs from SSM
 * (docs/DEPLOY.md); never use this one outside a laptop.
 */
export const DEV_JWT_SECRET = 'dev-secret-change-me-dataframe-jobs-2026';

const ConfigSchema = z.object({
  HDFS_ROOT: z.string().min(1).default('local-hdfs'),
  JWT_SECRET: z.string().default(''),
  JWT_SECRET_PARAM: z.string().default(''),
  COMPUTE_QUEUE_URL: z.string().default(''),
  COMPUTE_DLQ_URL: z.string().default(''),
  SQS_ENDPOINT: z.string().default(''),
  JOBS_TABLE: z.string().min(3).max(255).default('dataframe-jobs-local-jobs'),
  DYNAMODB_ENDPOINT: z.string().default(''),
  JOB_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  MAX_QUEUED_JOBS: z.coerce.number().int().positive().default(1000),
  MAX_QUEUED_JOBS_PER_USER: z.coerce.number().int().positive().default(100),
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(3),
  STORAGE_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(900).default(300),
  SERVICE_VERSION: z.string().default('0.1.0'),
  LOG_LEVEL: z.string().default('INFO'),
  STORAGE_SCOPE: z.enum(STORAGE_SCOPES).default('shared'),
  ALLOW_HARD_LINKS: z.enum(['true', 'false']).default('false'),
  ...AuthEnvSchema.shape,
});

/** Typed configuration. */
export interface Config {
  readonly hdfsRoot: string;
  readonly jwtSecret: string;
  /** SSM parameter holding the JWT secret (deployed stages); takes precedence over `jwtSecret`. */
  readonly jwtSecretParam: string | undefined;
  /** The access-token rules: lifetime, skew, issuer, audience, public keys (`JWT_*`). */
  readonly auth: AuthConfig;
  readonly queueUrl: string;
  /** URL of `compute-jobs-dlq` (informational: SQS moves messages there by the redrive policy). */
  readonly dlqUrl: string | undefined;
  readonly sqsEndpoint: string | undefined;
  /** The DynamoDB table of the jobs' state (`JOBS_TABLE`; `<service>-<stage>-jobs` in serverless.yml). */
  readonly jobsTable: string;
  /** A local DynamoDB server (`DYNAMODB_ENDPOINT`, the stack's dynalite); absent in the cloud. */
  readonly dynamodbEndpoint: string | undefined;
  /** Days a finished job stays readable before it expires (`JOB_RETENTION_DAYS`, 30). */
  readonly jobRetentionDays: number;
  readonly region: string;
  readonly maxQueuedJobs: number;
  /**
   * Jobs one user may have queued or running at once (`MAX_QUEUED_JOBS_PER_USER`): past it that
   * user's submissions get 429, so no user can fill the queue for the others.
   */
  readonly maxQueuedJobsPerUser: number;
  readonly maxReceiveCount: number;
  /**
   * When the storage cannot even record a job's failure on its last delivery, the job's message is
   * sent again with this delay instead of going to the dead-letter queue (`STORAGE_RETRY_DELAY_SECONDS`).
   */
  readonly storageRetryDelaySeconds: number;
  readonly version: string;
  readonly logLevel: string;
  /**
   * `shared` (default): every user's paths are relative to the storage root; `user`: to
   * `users/<encoded sub>/`, so that nobody reaches another user's files (`STORAGE_SCOPE`).
   */
  readonly storageScope: StorageScope;
  /**
   * Read inputs that have other hard links (`ALLOW_HARD_LINKS=true`). Refused by default: another
   * name of the same file may lie outside the storage, and no path check can see it.
   */
  readonly allowHardLinks: boolean;
}

/**
 * Parses the configuration from `env`.
 *
 * @throws Error naming the invalid variables (at cold start, never per request), or the missing
 * secret, issuer or audience of a deployed function
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  const c = parsed.data;
  const inCloud = env.AWS_LAMBDA_FUNCTION_NAME !== undefined && env.IS_OFFLINE === undefined;
  if (inCloud && c.JWT_SECRET === '' && c.JWT_SECRET_PARAM === '') {
    // The development secret is public: a deployed function must never fall back to it.
    throw new Error('invalid configuration: JWT_SECRET_PARAM (or JWT_SECRET) is required in the cloud');
  }
  return {
    hdfsRoot: c.HDFS_ROOT,
    jwtSecret: c.JWT_SECRET === '' ? DEV_JWT_SECRET : c.JWT_SECRET,
    jwtSecretParam: c.JWT_SECRET_PARAM === '' ? undefined : c.JWT_SECRET_PARAM,
    auth: authConfigFrom(c, inCloud),
    queueUrl: c.COMPUTE_QUEUE_URL,
    dlqUrl: c.COMPUTE_DLQ_URL === '' ? undefined : c.COMPUTE_DLQ_URL,
    sqsEndpoint: c.SQS_ENDPOINT === '' ? undefined : c.SQS_ENDPOINT,
    jobsTable: c.JOBS_TABLE,
    dynamodbEndpoint: c.DYNAMODB_ENDPOINT === '' ? undefined : c.DYNAMODB_ENDPOINT,
    jobRetentionDays: c.JOB_RETENTION_DAYS,
    region: c.AWS_REGION,
    maxQueuedJobs: c.MAX_QUEUED_JOBS,
    maxQueuedJobsPerUser: c.MAX_QUEUED_JOBS_PER_USER,
    maxReceiveCount: c.MAX_RECEIVE_COUNT,
    storageRetryDelaySeconds: c.STORAGE_RETRY_DELAY_SECONDS,
    version: c.SERVICE_VERSION,
    logLevel: c.LOG_LEVEL,
    storageScope: c.STORAGE_SCOPE,
    allowHardLinks: c.ALLOW_HARD_LINKS === 'true',
  };
}
