/**
 * The service's collaborators, built once per process (Lambda cold start)
 * and shared by the handlers.
 *
 * @module
 */
import { secretProvider } from '../auth/secret.js';
import { createVerifier, type TokenVerifier } from '../auth/verifier.js';
import { loadConfig, type Config } from '../config.js';
import { JobStore } from '../jobs/job-store.js';
import { createJobTableClient } from '../jobs/job-table.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Backlog } from '../queue/backlog.js';
import { createSqsClient, SqsJobQueue, type JobQueue } from '../queue/job-queue.js';
import { Storage } from '../storage/storage.js';

/** Everything a handler needs. Tests build their own. */
export interface ServiceDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly store: JobStore;
  readonly queue: JobQueue;
  /** The admission check's estimate of the waiting jobs (over `queue`). */
  readonly backlog: Backlog;
  readonly logger: Logger;
  /** Checks access tokens (its HS256 secret is read from SSM once per cold start in the cloud). */
  readonly verifier: TokenVerifier;
}

let shared: ServiceDeps | undefined;

/** Builds the dependencies from a configuration. */
export function buildDeps(config: Config): ServiceDeps {
  const storage = new Storage(config.hdfsRoot, {
    scope: config.storageScope,
    allowHardLinks: config.allowHardLinks,
  });
  const queue = new SqsJobQueue(createSqsClient(config), config.queueUrl);
  return {
    config,
    storage,
    store: new JobStore(
      storage,
      { client: createJobTableClient(config), name: config.jobsTable },
      { retentionDays: config.jobRetentionDays },
    ),
    queue,
    backlog: new Backlog(queue),
    logger: createLogger(config.logLevel),
    verifier: createVerifier(config.auth, secretProvider(config)),
  };
}

/** The process-wide dependencies, from the environment, built on first use. */
export function deps(): ServiceDeps {
  shared ??= buildDeps(loadConfig());
  return shared;
}
