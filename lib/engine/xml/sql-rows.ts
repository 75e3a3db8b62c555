/**
 * XML records built by DuckDB: for a result whose columns are all text,
 * booleans or integers, the query itself renders each row as its
 * `<row>…</row>` line (names, escaping and null cells as
 * `writeXmlResult` (write.ts) does them) and DuckDB's own CSV writer, without
 * quoting, writes the lines. Converting every cell to a JavaScript value and
 * encoding it back cost more than DuckDB's whole query (XML `non_null`,
 * 1M rows: the writer took 2.8 s of CPU, DuckDB's rendering and writing 1.35 s).
 *
 * @module
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { Params } from '../sql.js';
import { xmlNames } from './names.js';
import { XML_EPILOG, XML_PROLOG } from './write.js';

/** Integer types whose SQL text is the digits `writeXmlResult` (write.ts) writes (`cellText`). */
const INTEGERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);

/** Above this many columns the row expression grows large: such results keep the general writer. */
export const XML_SQL_MAX_COLUMNS = 1000;

// Characters `xmlText` replaces: markup, CR, C0 controls but tab/LF/CR, U+FFFE and U+FFFF. DuckDB
// text is valid UTF-8, so it holds no lone surrogate. The pattern is RE2's, inside a SQL literal
// (no backslash escapes in DuckDB's standard strings).
const SPECIAL = String.raw`[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]`;
const FORBIDDEN = String.raw`[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]`;

/** SQL of a text cell escaped as `xmlText` escapes it; most cells need nothing and skip the replaces. */
function escaped(v: string): string {
  const markup = `replace(replace(replace(replace(${v}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), chr(13), '&#13;')`;
  return (
    `CASE WHEN regexp_matches(${v}, '${SPECIAL}') ` +
    `THEN regexp_replace(${markup}, '${FORBIDDEN}', chr(65533), 'g') ELSE ${v} END`
  );
}

/**
 * The SQL text of one cell as the general writer prints it, or undefined when
 * its type is one this path leaves to that writer (doubles, decimals, dates…).
 */
function cellSql(expr: string, type: DuckDBType, plain: boolean): string | undefined {
  if (type.typeId === DuckDBTypeId.VARCHAR) return plain ? expr : escaped(expr);
  if (type.typeId === DuckDBTypeId.BOOLEAN || INTEGERS.has(type.typeId)) return `CAST(${expr} AS VARCHAR)`;
  return undefined;
}

/** One output column of {@link xmlRowsSql}. */
export interface XmlRowColumn {
  readonly name: string;
  /** SQL of the value. */
  readonly expr: string;
  readonly type: DuckDBType;
  /** Text that never holds a character XML escapes (a number's text from `df_numtext`). */
  readonly plain: boolean;
}

/**
 * The query that renders each row as one XML record (`<row>…</row>`, no line
 * end), when every column has a type this path writes exactly as
 * `writeXmlResult` (write.ts) would; {@link XML_ROWS_COPY} then writes the rows
 * between the prolog and the epilog.
 *
 * @param columns - the output columns, in order
 * @param params - the statement's parameters: the element tags are added to them
 * @param rest - the statement after the select list (`FROM …`, `WHERE …`, `ORDER BY …`)
 * @returns the SQL, or undefined when some column needs the general writer
 */
export function xmlRowsSql(
  columns: readonly XmlRowColumn[],
  params: Params,
  rest: string,
): string | undefined {
  if (columns.length === 0 || columns.length > XML_SQL_MAX_COLUMNS) return undefined;
  const tags = xmlNames(columns.map((c) => c.name));
  const parts: string[] = [];
  for (let j = 0; j < columns.length; j++) {
    const value = `(${columns[j]!.expr})`;
    const cell = cellSql(value, columns[j]!.type, columns[j]!.plain);
    if (cell === undefined) return undefined;
    const open = params.text(`<${tags[j]!}>`);
    const close = params.text(`</${tags[j]!}>`);
    if (columns[j]!.plain) {
      // A number's text is a df_numtext() call: each of its occurrences costs ~5 ms to bind (the
      // macro's regular expressions), so it appears once; `||` is null when it is, and concat()
      // then drops the element.
      parts.push(`${open} || ${cell} || ${close}`);
      continue;
    }
    // One concat() of every piece per row: concat skips NULLs, so a null cell drops its tags with it.
    // (Concatenating each element apart first cost a third more.)
    const tag = (text: string): string => `if(${value} IS NULL, NULL, ${text})`;
    parts.push(tag(open), cell, tag(close));
  }
  return `SELECT concat('<row>', ${parts.join(', ')}, '</row>') AS xml_row ${rest}`;
}

/**
 * `COPY` options that write the rows of {@link xmlRowsSql} as they are (no
 * quoting, no header), one a line, between the prolog and the epilog. DuckDB
 * puts the line end between rows, so the prolog ends and the epilog starts
 * with one; a result of no rows gets a line too many, which the caller
 * replaces with {@link XML_PROLOG} + {@link XML_EPILOG}.
 */
export const XML_ROWS_COPY =
  `FORMAT csv, HEADER false, QUOTE '', ESCAPE '', NEW_LINE '\\n', ` +
  `PREFIX '${XML_PROLOG.replaceAll("'", "''")}', SUFFIX '${('\n' + XML_EPILOG).replaceAll("'", "''")}'`;
