/**
 * What the local stack needs from the service: recovery of unfinished jobs
 * and tokens. Loaded after the stack has put the functions' configuration
 * (queue URL, storage root, secret) in `process.env`.
 *
 * @module
 */
import { signToken } from '../lib/auth/token.js';
import { loadConfig } from '../lib/config.js';
import { recoverJobs } from '../lib/jobs/recover.js';
import { buildDeps } from '../lib/service/deps.js';

/** The hooks of {@link serviceHooks}. */
export interface ServiceHooks {
  /** Re-enqueues every job left queued or running; returns how many. */
  recover(): Promise<number>;
  /** A token for `sub`, valid for `ttl` (a jose time span). */
  token(sub: string, ttl: string): Promise<string>;
}

/** The service hooks, reading the configuration when called (not at import). */
export async function serviceHooks(): Promise<ServiceHooks> {
  return {
    recover: async () => {
      const d = buildDeps(loadConfig());
      return recoverJobs(d.store, d.queue);
    },
    token: (sub, ttl) => signToken({ sub, ttl }, loadConfig().jwtSecret),
  };
}
