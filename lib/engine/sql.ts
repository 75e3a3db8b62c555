/**
 * SQL text built by the engine: identifiers are quoted here, in one place,
 * and every value that comes from a request (paths, null markers, column
 * names used as data) is a prepared parameter, never spliced into the text.
 *
 * @module
 */
import {
  LIST,
  VARCHAR,
  listValue,
  type DuckDBConnection,
  type DuckDBMaterializedResult,
  type DuckDBType,
  type DuckDBValue,
  type JS,
} from '@duckdb/node-api';

/**
 * Quotes a column or table name as a DuckDB identifier: wrapped in double
 * quotes, inner double quotes doubled. Any text is a valid identifier this
 * way (`;`, `--`, newlines, backslashes, non-ASCII), so a column name can
 * never end the identifier or the statement.
 *
 * @param name - any column name; NUL is refused because DuckDB cuts identifiers there
 * @returns the quoted identifier
 * @throws Error when `name` holds a NUL character (request schemas refuse them first)
 *
 * @example
 * ```ts
 * quoteIdent('a"b'); // '"a""b"'
 * ```
 */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier holds a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Collects the parameters of the statements over one relation and hands out
 * their placeholders (`$p1`, `$p2`, …), with explicit types: DuckDB cannot
 * infer a parameter's type inside a table function call. A statement is
 * given only the parameters its text uses ({@link Params.bindingsFor}), so
 * a relation's columns can each carry parameters that a query over only
 * some of them does not bind.
 */
export class Params {
  readonly #values = new Map<string, DuckDBValue>();
  readonly #types = new Map<string, DuckDBType>();

  /** A text parameter. */
  text(value: string): string {
    return this.add(value, VARCHAR);
  }

  /** A list-of-text parameter (e.g. CSV null markers). */
  textList(values: readonly string[]): string {
    return this.add(listValue([...values]), LIST(VARCHAR));
  }

  /** A parameter of any type. */
  add(value: DuckDBValue, type: DuckDBType): string {
    const name = `p${this.#values.size + 1}`;
    this.#values.set(name, value);
    this.#types.set(name, type);
    return `$${name}`;
  }

  /** A copy, for a statement that uses a relation's parameters and adds its own. */
  clone(): Params {
    const copy = new Params();
    for (const [name, value] of this.#values) copy.add(value, this.#types.get(name)!);
    return copy;
  }

  /**
   * The values and types of the placeholders that `sql` uses, outside its
   * quoted identifiers and string literals.
   */
  bindingsFor(sql: string): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
    const code = sql.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'/g, ' ');
    const values: Record<string, DuckDBValue> = {};
    const types: Record<string, DuckDBType> = {};
    for (const match of code.matchAll(/\$(p\d+)\b/g)) {
      const name = match[1]!;
      const value = this.#values.get(name);
      if (value === undefined) continue;
      values[name] = value;
      types[name] = this.#types.get(name)!;
    }
    return { values, types };
  }
}

/** Runs a statement outside a job runner (a source's probes), binding the parameters it uses. */
export async function runWith(
  connection: DuckDBConnection,
  sql: string,
  params: Params,
): Promise<DuckDBMaterializedResult> {
  const { values, types } = params.bindingsFor(sql);
  return connection.run(sql, values, types);
}

/** Runs a query outside a job runner and returns its rows as JavaScript values. */
export async function rowsWith(connection: DuckDBConnection, sql: string, params: Params): Promise<JS[][]> {
  const { values, types } = params.bindingsFor(sql);
  return (await connection.runAndReadAll(sql, values, types)).getRowsJS();
}
