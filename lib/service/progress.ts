/**
 * The running job's heartbeat: once a second the worker records the job's
 * progress in its document, and learns there whether the job was cancelled
 * meanwhile (`DELETE /jobs/{id}` on a running job), in which case it aborts
 * the computation, whose statement DuckDB then interrupts.
 *
 * @module
 */
import type { ServiceDeps } from './deps.js';

/** How often the heartbeat runs. */
export const HEARTBEAT_MS = 1000;

/** Records a running job's progress and watches for its cancel. */
export class JobHeartbeat {
  readonly #controller = new AbortController();
  #progress = 0;
  #recorded = -1;
  #timer: NodeJS.Timeout | undefined;
  #beat: Promise<void> = Promise.resolve();

  /**
   * @param deps - the job store and logger
   * @param jobId - the running job
   */
  constructor(
    private readonly deps: ServiceDeps,
    private readonly jobId: string,
  ) {}

  /** Aborted when the job is found cancelled. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Takes the engine's latest progress (0–100); it is recorded at the next beat. */
  readonly onProgress = (percent: number): void => {
    this.#progress = Math.max(this.#progress, Math.min(100, Math.max(0, Math.floor(percent))));
  };

  /** Starts beating. */
  start(): void {
    this.#timer = setInterval(() => {
      // One beat at a time: a slow store must not pile up writes.
      this.#beat = this.#beat.then(() => this.#record());
    }, HEARTBEAT_MS);
    this.#timer.unref();
  }

  /** Stops beating and waits for a beat under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beat;
  }

  async #record(): Promise<void> {
    let cancelled = false;
    try {
      await this.deps.store.update(this.jobId, (job) => {
        if (job.status !== 'running') {
          cancelled = job.status === 'cancelled';
          return;
        }
        if (this.#progress !== this.#recorded) job.progress = this.#progress;
      });
      this.#recorded = this.#progress;
    } catch (err) {
      // A missed beat only delays the progress bar and the cancel; the job itself goes on.
      this.deps.logger.warn('progress not recorded', {
        job_id: this.jobId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    if (cancelled && !this.#controller.signal.aborted) {
      this.deps.logger.info('job cancelled while running; interrupting it', { job_id: this.jobId });
      this.#controller.abort();
    }
  }
}
