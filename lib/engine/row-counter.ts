/**
 * Counts the rows a query reads while it runs, so that the input's row count
 * needs no pass of its own: a temporary sequence that the query advances once
 * per row it reads (see {@link RowCounter.tick}), read back after the query.
 *
 * @module
 */
import type { JobRunner } from './runner.js';
import { Params } from './sql.js';

let counters = 0;

/** A per-job row counter (a temporary sequence of the job's connection). */
export class RowCounter {
  private constructor(
    private readonly runner: JobRunner,
    private readonly name: string,
  ) {}

  /**
   * Creates a counter at 0.
   *
   * @throws DuckDB's error when the sequence cannot be created
   */
  static async create(runner: JobRunner): Promise<RowCounter> {
    // The name is the engine's own (never a request value), so it can be spliced into SQL.
    const name = `df_rows_${process.pid}_${++counters}`;
    await runner.run(`CREATE TEMP SEQUENCE ${name} START WITH 0 MINVALUE 0`, new Params());
    // Drawn once here, so that currval is defined even when the query reads no row.
    await runner.rows(`SELECT nextval('${name}')`, new Params());
    return new RowCounter(runner, name);
  }

  /**
   * A SQL condition that advances the counter and is never true: put first in a `CASE` that
   * every read row goes through (a `WHERE` clause), so that it runs once per row.
   */
  get tick(): string {
    return `nextval('${this.name}') < 0`;
  }

  /** Rows counted so far. */
  async count(): Promise<number> {
    const rows = await this.runner.rows(`SELECT currval('${this.name}')`, new Params());
    return Number(rows[0]![0]);
  }
}
