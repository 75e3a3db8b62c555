/**
 * Runs a job's statements on its connection: reports the job's progress at
 * most once a second from DuckDB's query progress, interrupts the running
 * statement when the job is cancelled, and maps DuckDB's errors.
 *
 * @module
 */
import type { DuckDBConnection, DuckDBResult, DuckDBType, JS } from '@duckdb/node-api';
import { CancelledError } from '../errors.js';
import { fromDuckDbError } from './duckdb-errors.js';
import type { Params } from './sql.js';

/** What the caller of a computation controls. */
export interface ComputeControl {
  /** Called with 0–100, at most once a second, while the job runs. */
  readonly onProgress?: (percent: number) => void;
  /** Aborting it interrupts the running statement; the computation then throws `CancelledError`. */
  readonly signal?: AbortSignal;
}

/** Progress reports are this far apart at least. */
export const PROGRESS_INTERVAL_MS = 1000;

/**
 * The statements of one job, in `passes` steps of equal weight for the
 * progress bar.
 */
export class JobRunner {
  #pass = 0;
  #lastReport = -1;
  readonly #onAbort: () => void;

  /**
   * @param connection - the job's own connection
   * @param control - progress callback and cancel signal
   * @param passes - how many full steps the job makes (for the progress bar)
   */
  constructor(
    readonly connection: DuckDBConnection,
    readonly control: ComputeControl,
    readonly passes: number,
  ) {
    this.#onAbort = () => connection.interrupt();
    control.signal?.addEventListener('abort', this.#onAbort);
  }

  /** Throws `CancelledError` when the job was cancelled. */
  checkCancelled(): void {
    if (this.control.signal?.aborted) throw new CancelledError();
  }

  /** Reports progress within the current pass (0–1), rate-limited. */
  report(fraction: number): void {
    const onProgress = this.control.onProgress;
    if (onProgress === undefined) return;
    const now = Date.now();
    if (now - this.#lastReport < PROGRESS_INTERVAL_MS) return;
    this.#lastReport = now;
    const share = Math.min(1, Math.max(0, fraction));
    onProgress(Math.min(99, Math.floor(((this.#pass + share) / this.passes) * 100)));
  }

  /** Marks a full pass as done. */
  passDone(): void {
    this.#pass = Math.min(this.passes, this.#pass + 1);
  }

  async #watch<T>(work: () => Promise<T>): Promise<T> {
    this.checkCancelled();
    const timer = setInterval(() => {
      const { percentage } = this.connection.progress;
      if (percentage >= 0) this.report(percentage / 100);
    }, PROGRESS_INTERVAL_MS / 4);
    try {
      return await work();
    } catch (err) {
      throw fromDuckDbError(err, this.control.signal?.aborted === true);
    } finally {
      clearInterval(timer);
    }
  }

  /** Runs a statement and returns its rows as JavaScript values (small results only). */
  async rows(sql: string, params: Params): Promise<JS[][]> {
    return this.#watch(async () => {
      const { values, types } = params.bindingsFor(sql);
      const reader = await this.connection.runAndReadAll(sql, values, types);
      return reader.getRowsJS();
    });
  }

  /** The column types of a query's result, from a run that reads no row (append `LIMIT 0` to `sql`). */
  async columnTypes(sql: string, params: Params): Promise<DuckDBType[]> {
    return this.#watch(async () => {
      const { values, types } = params.bindingsFor(sql);
      return (await this.connection.run(sql, values, types)).columnTypes();
    });
  }

  /** Runs a statement and returns how many rows it changed or wrote (`COPY`). */
  async run(sql: string, params: Params): Promise<number> {
    const { values, types } = params.bindingsFor(sql);
    return this.#watch(async () => (await this.connection.run(sql, values, types)).rowsChanged);
  }

  /** Runs a query and hands its streaming result to `consume`. */
  async stream<T>(sql: string, params: Params, consume: (result: DuckDBResult) => Promise<T>): Promise<T> {
    const { values, types } = params.bindingsFor(sql);
    return this.#watch(async () => consume(await this.connection.stream(sql, values, types)));
  }

  /** Detaches from the cancel signal. */
  dispose(): void {
    this.control.signal?.removeEventListener('abort', this.#onAbort);
  }
}
