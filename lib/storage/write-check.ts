/**
 * Whether the storage takes writes, as submissions need to know: a job
 * accepted while the storage is full or read-only could only fail after its
 * retries, so it is refused at once (503 `storage_error`) instead. The probe
 * (a small file written and removed) is shared by concurrent callers and its
 * outcome reused for a short while, so a burst of submissions costs one probe.
 *
 * @module
 */
import { StorageError } from '../errors.js';

/** Options of {@link WriteCheck}. */
export interface WriteCheckOptions {
  /** How long an outcome, good or bad, is reused (ms). Default 1,000. */
  readonly reuseMs?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/**
 * A cached check that the storage accepts writes.
 *
 * @example
 * ```ts
 * const check = new WriteCheck(() => storage.checkWritable());
 * await check.assertWritable(); // throws StorageError while the storage takes no writes
 * ```
 */
export class WriteCheck {
  readonly #probe: () => Promise<void>;
  readonly #reuseMs: number;
  readonly #now: () => number;
  #last: { readonly at: number; readonly outcome: Promise<void> } | undefined;

  /**
   * @param probe - writes and removes a probe file; rejects when the storage takes no writes
   * @param options - how long an outcome is reused
   */
  constructor(probe: () => Promise<void>, options: WriteCheckOptions = {}) {
    this.#probe = probe;
    this.#reuseMs = options.reuseMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Resolves when the storage took a write within the last `reuseMs` (or does now).
   *
   * @throws `StorageError` (`the storage takes no writes`, with the system cause when known) otherwise
   */
  assertWritable(): Promise<void> {
    const now = this.#now();
    if (!this.#last || now - this.#last.at >= this.#reuseMs) {
      // Timed from the start of the probe: a slow probe is not reused longer than a fast one.
      this.#last = { at: now, outcome: this.#probe().catch(toRefusal) };
    }
    return this.#last.outcome;
  }
}

function toRefusal(err: unknown): never {
  const cause = err instanceof StorageError ? err.details?.['cause'] : undefined;
  throw new StorageError(
    'the storage takes no writes at the moment (full or read-only); retry later',
    typeof cause === 'string' ? cause : undefined,
  );
}
