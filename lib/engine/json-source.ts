/**
 * JSON and NDJSON inputs through DuckDB's JSON reader. Columns are the
 * union of the records' keys in first-seen order, nested objects as dotted
 * columns and arrays as JSON text; cells are read as text, so that the
 * documented type rule decides each column's type, as for CSV, except the
 * keys a caller asks to read as numbers where the sample shows only numbers
 * (`numeric`, checked over the whole file by `df_json_num_or_fail`).
 *
 * The columns are learnt from a sample of records parsed here (DuckDB's own
 * schema detection recurses into the values and crashes the process on
 * millions of nested brackets), read from the file here too when it is plain
 * (json-sample.ts), else through DuckDB; a requested column missing from the sample
 * is looked for in the whole file, and for `non_null` (whose output holds
 * every column) the top-level keys of the whole file are listed (by a byte
 * scan here when the file is plain, json-key-scan.ts, else through DuckDB). A document
 * wrapping its array in an object is one JSON value, read whole.
 *
 * @module
 */
import { STRUCT, VARCHAR, structValue, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { ParseError } from '../errors.js';
import type { SourceColumn } from './columns.js';
import { assertNestingWithin } from './json-depth.js';
import { scanNewKeys } from './json-key-scan.js';
import { learnColumns, MAX_NESTING, type Learnt } from './json-keys.js';
import { NotPlainError, readSample } from './json-sample.js';
import { assertColumnCount, MAX_COLUMNS } from './limits.js';
import type { Source } from './source.js';
import { Params, quoteIdent, rowsWith } from './sql.js';

/** How the records lie in the file. */
export type JsonLayout = 'ndjson' | 'array' | 'wrapped';

/** Largest wrapped document, read as one value (`maximum_object_size`). */
export const MAX_WRAPPED_BYTES = 1024 * 2 ** 20;

/** A JSON pointer (RFC 6901) to a key path. */
export function jsonPointer(keys: readonly string[]): string {
  return keys.map((k) => '/' + k.replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** Records parsed to learn the columns. */
export const SAMPLE_RECORDS = 20_480;

function readerCall(
  params: Params,
  file: string,
  layout: 'ndjson' | 'array',
  columns?: Record<string, boolean>,
  numeric: ReadonlySet<string> = new Set(),
): string {
  const format = layout === 'ndjson' ? 'newline_delimited' : 'array';
  let call = `read_json(${params.text(file)}, format = '${format}', records = true`;
  if (columns !== undefined) {
    const names = Object.keys(columns);
    const types: Record<string, DuckDBType> = {};
    const values: Record<string, string> = {};
    // A key holding objects is read as JSON so that its fields can be extracted; others as text.
    for (const n of names) {
      types[n] = VARCHAR;
      values[n] = columns[n] ? 'JSON' : numeric.has(n) ? 'DOUBLE' : 'VARCHAR';
    }
    call += `, columns = ${params.add(structValue(values), STRUCT(types))}`;
  }
  return call + ')';
}

/**
 * Opens a JSON or NDJSON input.
 *
 * @param connection - the job's connection
 * @param file - absolute host path
 * @param layout - NDJSON, a top-level array, or an object wrapping one array
 * @param wanted - columns the operation needs (undefined: every column, for `non_null`)
 * @param sampleRecords - records parsed to learn the columns (a preview reads no more than it shows)
 * @param numeric - top-level keys to read as numbers when every sampled value is one (see
 *   `Source.typedByGuess`), or `all` of them: DuckDB's reader then converts them itself, which costs
 *   less than their text and `df_num`
 * @throws `ParseError` when the document's shape is not one of these
 */
export async function jsonSource(
  connection: DuckDBConnection,
  file: string,
  layout: JsonLayout,
  wanted?: readonly string[],
  sampleRecords = SAMPLE_RECORDS,
  numeric: readonly string[] | 'all' = [],
): Promise<Source> {
  if (layout === 'wrapped') return wrappedSource(connection, file, sampleRecords);
  const learnt = await learnSample(connection, file, layout, Math.floor(sampleRecords));
  const found = learnt.leaves;
  const known = new Set(found.map((l) => l.name));
  const missing = (wanted ?? []).filter((w) => !known.has(w));
  if (wanted === undefined) {
    const sampled = found.map((l) => l.path[0]!);
    // Read here when the file is plain (json-key-scan.ts), else through DuckDB.
    const keys =
      (await scanNewKeys(file, layout, sampled, learnt.commonKeys)) ??
      (await topLevelKeys(connection, file, layout, learnt.commonKeys));
    for (const key of keys) {
      if (!found.some((l) => l.path[0] === key)) found.push({ name: key, path: [key] });
    }
    assertColumnCount(found.length);
  } else if (missing.length > 0) {
    for (const name of missing)
      if (await existsAnywhere(connection, file, layout, name)) found.push({ name, path: [name] });
  }
  const nested: Record<string, boolean> = {};
  for (const leaf of found) nested[leaf.path[0]!] = (nested[leaf.path[0]!] ?? false) || leaf.path.length > 1;
  const candidates = numeric === 'all' ? [...learnt.numbers] : numeric;
  // A key `nested` marks false is a found leaf of its own name (a flat top-level key).
  const typed = new Set(candidates.filter((n) => learnt.numbers.has(n) && nested[n] === false));
  const params = new Params();
  // No record has a key: the reader cannot be given an empty column list, and nothing is there to read.
  const from =
    found.length === 0
      ? '(SELECT NULL AS df_none WHERE false)'
      : readerCall(params, file, layout, nested, typed);
  const columns: SourceColumn[] = found.map((leaf) => {
    if (typed.has(leaf.name)) {
      return { name: leaf.name, kind: 'number', expr: `df_json_num_or_fail(${quoteIdent(leaf.name)})` };
    }
    const top = quoteIdent(leaf.path[0]!);
    // A key read as JSON (it holds objects in some record) gives its scalars unquoted through $.
    const rest =
      leaf.path.length === 1 ? (nested[leaf.path[0]!] ? '$' : undefined) : jsonPointer(leaf.path.slice(1));
    return {
      name: leaf.name,
      kind: 'text',
      expr: rest === undefined ? top : `json_extract_string(${top}, ${params.text(rest)})`,
    };
  });
  return {
    format: layout === 'ndjson' ? 'ndjson' : 'json',
    from,
    params,
    columns,
    typedByGuess: typed.size > 0,
    close: async () => undefined,
  };
}

/**
 * What the first `limit` records teach: read here when the file is plain, else through DuckDB, which
 * then says what is wrong with them as it always did.
 */
async function learnSample(
  connection: DuckDBConnection,
  file: string,
  layout: 'ndjson' | 'array',
  limit: number,
): Promise<Learnt> {
  const plain = limit > 0 ? await readSample(file, layout, limit) : undefined;
  if (plain !== undefined) {
    try {
      return learnColumns(plain.records());
    } catch (err) {
      // A record too deep (or the like) is this sample's error only when every later record parses:
      // otherwise DuckDB's reader, which reads them all first, reports the unparsable one.
      if (!(err instanceof NotPlainError) && plain.restParses()) throw err;
    }
  }
  const params = new Params();
  const sample = await rowsWith(
    connection,
    `SELECT CAST(json AS VARCHAR) FROM ${objectsCall(params, file, layout)} LIMIT ${limit}`,
    params,
  );
  return learnColumns(parseTexts(sample.map((row) => String(row[0]))));
}

function objectsCall(params: Params, file: string, layout: 'ndjson' | 'array'): string {
  return `read_json_objects(${params.text(file)}, format = '${layout === 'ndjson' ? 'newline_delimited' : 'array'}')`;
}

/**
 * Top-level keys of the records whose keys are not exactly `common`, in first-seen order (a pass
 * over the file). `common` is a sampled record's key list: the keys of the records it skips are
 * all in the sample, so no key is missed; most records of a regular file have that list and are
 * not broken into one row per key, which made this pass a third dearer.
 */
async function topLevelKeys(
  connection: DuckDBConnection,
  file: string,
  layout: 'ndjson' | 'array',
  common: readonly string[],
): Promise<string[]> {
  const params = new Params();
  const objects = objectsCall(params, file, layout);
  const rows = await rowsWith(
    connection,
    `SELECT k FROM (
       SELECT unnest(ks) AS k, r FROM (SELECT json_keys(json) AS ks, row_number() OVER () AS r FROM ${objects})
       WHERE ks IS DISTINCT FROM ${params.textList(common)})
     GROUP BY k ORDER BY min(r) LIMIT ${MAX_COLUMNS + 1}`,
    params,
  );
  assertColumnCount(rows.length);
  return rows.map((row) => String(row[0]));
}

/** Whether any record has the key `name` at its top level (a pass over the file). */
async function existsAnywhere(
  connection: DuckDBConnection,
  file: string,
  layout: 'ndjson' | 'array',
  name: string,
): Promise<boolean> {
  const params = new Params();
  const pointer = params.text(jsonPointer([name]));
  const rows = await rowsWith(
    connection,
    `SELECT bool_or(json_exists(json, ${pointer})) FROM ${objectsCall(params, file, layout)}`,
    params,
  );
  return rows[0]?.[0] === true;
}

/** A document `{"key": [ {...}, ... ]}`: read whole, its one array unnested into records. */
async function wrappedSource(
  connection: DuckDBConnection,
  file: string,
  sampleRecords: number,
): Promise<Source> {
  // Read whole as one value: its nesting is checked first, in one streaming pass.
  await assertNestingWithin(file, MAX_NESTING + 2);
  const docParams = new Params();
  const doc =
    `read_json_objects(${docParams.text(file)}, format = 'unstructured', ` +
    `maximum_object_size = ${MAX_WRAPPED_BYTES})`;
  const rows = await rowsWith(connection, `SELECT json_keys(json) AS keys FROM ${doc}`, docParams);
  const keys = rows.length === 1 ? (rows[0]![0] as string[] | null) : null;
  if (keys === null || keys.length !== 1) {
    throw new ParseError('a JSON object input must hold exactly one array of records', { line: 1 });
  }
  const params = docParams.clone();
  const from = `(SELECT unnest(CAST(json -> ${params.text(jsonPointer(keys))} AS JSON[])) AS rec FROM ${doc})`;
  const records = await rowsWith(
    connection,
    `SELECT CAST(rec AS VARCHAR) FROM ${from} LIMIT ${Math.floor(sampleRecords)}`,
    params,
  );
  const found = learnColumns(parseTexts(records.map((row) => String(row[0])))).leaves;
  const columns: SourceColumn[] = found.map((leaf) => ({
    name: leaf.name,
    kind: 'text',
    expr: `(rec ->> ${params.text(jsonPointer(leaf.path))})`,
  }));
  return { format: 'json', from, params, columns, close: async () => undefined };
}

/** Sampled records parsed one by one as they are learnt (JSON texts as DuckDB gives them). */
function* parseTexts(texts: readonly string[]): Iterable<unknown> {
  for (const [i, text] of texts.entries()) {
    try {
      yield JSON.parse(text) as unknown;
    } catch {
      throw new ParseError(`record ${i + 1}: malformed JSON`, { record: i + 1 });
    }
  }
}
