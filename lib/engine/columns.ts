/**
 * The columns of an input as the engine sees them: a name, the SQL that
 * reads its cell from the source, and what is known of its type before any
 * row is read.
 *
 * @module
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { ColumnType } from '../types.js';
import { quoteIdent } from './sql.js';

/**
 * - `text`: raw text cells (CSV, TSV, XML, JSON values), whose type the
 *   documented rule decides over the whole column;
 * - `number`, `boolean`, `string`: typed by the file itself (Parquet).
 */
export type ColumnKind = 'text' | ColumnType;

/** One input column. */
export interface SourceColumn {
  /** The column's name as clients see it (struct fields dotted). */
  readonly name: string;
  /** SQL reading the cell from the source relation (text kinds give VARCHAR). */
  readonly expr: string;
  readonly kind: ColumnKind;
  /**
   * For `number` columns: integers and decimals kept exact (INT64 beyond 2^53 keeps every
   * digit); otherwise numbers are DOUBLE.
   */
  readonly exact?: boolean;
}

const EXACT_NUMBERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
]);

/**
 * The columns a typed DuckDB column stands for: struct fields become dotted
 * columns (recursively); numbers and booleans keep their type; dates become
 * `YYYY-MM-DD`, timestamps ISO-8601 text with their unit's precision (`Z`
 * when the file marks them UTC), lists and maps JSON text, binary base64,
 * anything else its text.
 *
 * @param name - the column's client name
 * @param expr - SQL of the value
 * @param type - its DuckDB type
 * @param out - columns are appended here
 * @param millis - a timestamp stored in milliseconds (3 fraction digits, not DuckDB's 6)
 */
export function typedColumns(
  name: string,
  expr: string,
  type: DuckDBType,
  out: SourceColumn[],
  millis = false,
): void {
  const id = type.typeId;
  if (type.typeId === DuckDBTypeId.STRUCT) {
    type.entryNames.forEach((entry, i) => {
      typedColumns(
        `${name}.${entry}`,
        `struct_extract(${expr}, ${structKey(entry)})`,
        type.entryTypes[i]!,
        out,
      );
    });
    return;
  }
  if (EXACT_NUMBERS.has(id)) out.push({ name, expr, kind: 'number', exact: true });
  else if (id === DuckDBTypeId.FLOAT || id === DuckDBTypeId.DOUBLE)
    out.push({ name, expr: `CAST(${expr} AS DOUBLE)`, kind: 'number' });
  else if (id === DuckDBTypeId.BOOLEAN) out.push({ name, expr, kind: 'boolean' });
  else if (millis && (id === DuckDBTypeId.TIMESTAMP || id === DuckDBTypeId.TIMESTAMP_TZ)) {
    const utc = id === DuckDBTypeId.TIMESTAMP_TZ;
    const text = `strftime(${utc ? `CAST(${expr} AS TIMESTAMP)` : expr}, '%Y-%m-%dT%H:%M:%S.%g')`;
    out.push({ name, expr: utc ? `${text} || 'Z'` : text, kind: 'string' });
  } else out.push({ name, expr: textOf(expr, id), kind: 'string' });
}

/** A struct field name as a SQL string literal: field names come from the file, not from a request. */
function structKey(entry: string): string {
  return `'${entry.replaceAll("'", "''")}'`;
}

function textOf(expr: string, id: DuckDBTypeId): string {
  switch (id) {
    case DuckDBTypeId.DATE:
      return `strftime(${expr}, '%Y-%m-%d')`;
    case DuckDBTypeId.TIMESTAMP_S:
      return `strftime(${expr}, '%Y-%m-%dT%H:%M:%S')`;
    case DuckDBTypeId.TIMESTAMP_MS:
      return `strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%g')`;
    case DuckDBTypeId.TIMESTAMP:
      return `strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%f')`;
    case DuckDBTypeId.TIMESTAMP_NS:
      return `strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%n')`;
    case DuckDBTypeId.TIMESTAMP_TZ:
      // Without the ICU extension a TIMESTAMPTZ casts to its UTC wall time.
      return `strftime(CAST(${expr} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%f') || 'Z'`;
    case DuckDBTypeId.TIME:
      return `strftime(DATE '1970-01-01' + ${expr}, '%H:%M:%S.%f')`;
    case DuckDBTypeId.BLOB:
      return `to_base64(${expr})`;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.UNION:
      return `CAST(to_json(${expr}) AS VARCHAR)`;
    default:
      return `CAST(${expr} AS VARCHAR)`;
  }
}

/** The column read as the plain source column `name` (CSV, XML tables). */
export function textColumn(name: string, expr: string = quoteIdent(name)): SourceColumn {
  return { name, expr, kind: 'text' };
}
