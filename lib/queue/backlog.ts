/**
 * The admission check's view of the queue: how many jobs wait, without one
 * SQS call per submission.
 *
 * @module
 */
import type { JobQueue } from './job-queue.js';

/** How old a depth reading may be before the next submission reads it again. */
export const BACKLOG_MAX_AGE_MS = 1000;

/**
 * An estimate of the jobs waiting in the queue: its depth, read at most
 * once per `maxAgeMs` (concurrent callers share one reading), plus the jobs
 * this process enqueued since. SQS's own count is approximate and lags by
 * design, so a second-old reading loses nothing; it halves the queue calls
 * of a submission. A failed reading is not kept: the next call reads again.
 *
 * @example
 * ```ts
 * const backlog = new Backlog(queue);
 * if ((await backlog.estimate()) >= max) throw new TooManyRequestsError('...', 5);
 * await queue.enqueue(id);
 * backlog.noteEnqueued();
 * ```
 */
export class Backlog {
  #reading: { at: number; depth: Promise<number> } | undefined;
  #enqueuedSince = 0;

  /**
   * @param queue - the queue whose depth is read
   * @param maxAgeMs - reuse a reading this long (0: read on every call)
   * @param now - clock, for tests
   */
  constructor(
    readonly queue: JobQueue,
    readonly maxAgeMs = BACKLOG_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The estimated number of waiting jobs.
   *
   * @throws `QueueUnavailableError` when the depth cannot be read
   */
  async estimate(): Promise<number> {
    const at = this.now();
    if (this.#reading === undefined || at - this.#reading.at >= this.maxAgeMs) {
      const depth = this.queue.depth();
      const reading = { at, depth };
      this.#reading = reading;
      this.#enqueuedSince = 0;
      depth.catch(() => {
        if (this.#reading === reading) this.#reading = undefined;
      });
    }
    return (await this.#reading.depth) + this.#enqueuedSince;
  }

  /** Counts a job this process has just enqueued. */
  noteEnqueued(): void {
    this.#enqueuedSince += 1;
  }
}
