/**
 * Fault injection for the local stack's end-to-end tests: a job that kills
 * the worker's process, as an input that exhausts its memory or crashes a
 * native library would. The real inputs that did so are fixed one by one;
 * the service must still end such a job, whatever the next one is.
 *
 * Honoured only in the local stack (`IS_OFFLINE=true`, set for its function
 * processes), never in a deployed function.
 *
 * @module
 */
import type { Compute } from './run-job.js';

/**
 * `compute`, or, when `WORKER_CRASH_INPUT` names a storage path in the local
 * stack, a compute that kills its own process with SIGKILL (no handler, no
 * cleanup, as the kernel's OOM killer would) for jobs reading that input.
 *
 * @param compute - the engine
 * @param env - the environment (the process's by default)
 * @returns the compute the worker runs
 */
export function withInjectedCrash(compute: Compute, env: NodeJS.ProcessEnv = process.env): Compute {
  const input = env.IS_OFFLINE === 'true' ? env.WORKER_CRASH_INPUT : undefined;
  if (!input) return compute;
  return (storage, request, control) => {
    if (request.input === input) process.kill(process.pid, 'SIGKILL');
    return compute(storage, request, control);
  };
}
