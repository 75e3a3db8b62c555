/**
 * Types of `dynalite` 4.0.0 (it ships none): the factory of its HTTP server.
 * Only the options the local stack uses are typed.
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** Options of the dynalite factory. */
  interface DynaliteOptions {
    /** LevelDB folder; in memory when absent. */
    readonly path?: string;
    /** Milliseconds a new table stays CREATING (500 by default). */
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
  }

  /** Creates (does not start) a DynamoDB-compatible HTTP server; `close` also closes its database. */
  function dynalite(options?: DynaliteOptions): Server;
  export default dynalite;
}
