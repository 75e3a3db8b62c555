/**
 * `Prefer: wait=N` (RFC 7240): hold the response until the job ends, at
 * most N seconds (capped at 30).
 *
 * @module
 */
import { TERMINAL_STATUSES, type Job } from '../jobs/job.js';
import type { JobStore } from '../jobs/job-store.js';

/** Longest wait honoured, in seconds (the HTTP API's own integration limit is 30 s). */
export const MAX_WAIT_SECONDS = 25;

/** The seconds asked by a `Prefer` header (`wait=10`, `respond-async, wait=5`), capped; 0 when absent. */
export function preferredWait(prefer: string | undefined): number {
  if (!prefer) return 0;
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(prefer);
  return match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : 0;
}

/**
 * Polls the store until the job ends or `seconds` pass.
 *
 * @returns the job as last read (terminal or not)
 */
export async function waitForJob(store: JobStore, jobId: string, seconds: number): Promise<Job> {
  const deadline = Date.now() + seconds * 1000;
  let delay = 20;
  for (;;) {
    const job = await store.get(jobId);
    if (TERMINAL_STATUSES.has(job.status) || Date.now() >= deadline) return job;
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(delay * 2, 200);
  }
}
