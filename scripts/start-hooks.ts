/**
 * What the local stack needs from the service: recovery of unfinished jobs
 * and tokens. Loaded after the stack has put the functions' configuration
 * (queue URL, storage root, secret) in `process.env`.
 *
 * @module
 */
import { issueToken } from '../lib/auth/token.js';
import { loadConfig } from '../lib/config.js';
import { importJobFiles } from '../lib/jobs/import-files.js';
import { recoverJobs, type Recovery } from '../lib/jobs/recover.js';
import { buildDeps } from '../lib/service/deps.js';

/** The hooks of {@link serviceHooks}. */
export interface ServiceHooks {
  /**
   * Imports the `.jobs/` folder of an older version if there is one, then re-enqueues every job left
   * queued or running, failing those that used their attempts.
   */
  recover(): Promise<Recovery>;
  /**
   * A token for `sub` with the configured issuer and audience, valid for `ttl` (`30m`, `12h`; within
   * `JWT_MAX_TTL`), or by default 12 hours, or `JWT_MAX_TTL` if that is shorter.
   */
  token(sub: string, ttl?: string): Promise<string>;
}

/** The service hooks, reading the configuration when called (not at import). */
export async function serviceHooks(): Promise<ServiceHooks> {
  return {
    recover: async () => {
      const d = buildDeps(loadConfig());
      // Job state of a version that kept it as files: imported once, before the recovery counts it.
      const imported = await importJobFiles(d.config.hdfsRoot, d.store.table, d.config.jobRetentionDays);
      if (imported)
        d.logger.info('job files of an older version imported into the jobs table', {
          jobs: imported.jobs,
          idempotency_keys: imported.keys,
          skipped: imported.skipped,
          folder_renamed_to: imported.renamedTo,
        });
      const recovery = await recoverJobs(d.store, d.queue, d.config.maxReceiveCount);
      if (recovery.countsError !== undefined)
        d.logger.warn('per-user counts of active jobs not repaired at startup; the next start repairs them', {
          error: recovery.countsError,
        });
      return recovery;
    },
    token: (sub, ttl) => {
      const config = loadConfig();
      return issueToken({ sub, ttl }, config.auth, config.jwtSecret);
    },
  };
}
