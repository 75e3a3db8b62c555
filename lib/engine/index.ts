/**
 * The data engine's entry point: given a storage and a validated compute
 * request, reads the input with DuckDB, runs the operation and publishes the
 * result atomically. The HTTP service and the worker only wrap these two
 * functions.
 *
 * @module
 */
import type { Aggregation, ComputeRequest, EngineOptions } from '../compute-request.js';
import { InvalidPathError, OutputExistsError, ParseError, UnknownColumnError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { InputFormat, OutputFormat } from '../types.js';
import type { SourceColumn } from './columns.js';
import { readCsvHeader } from './csv-header.js';
import { connectTo } from './database.js';
import { fromDuckDbError } from './duckdb-errors.js';
import { defaultOutputFormat, formatFromPath } from './formats.js';
import { computeGroupBy } from './group-by.js';
import { planNonNull, TYPE_GUESS_FAILED } from './non-null.js';
import { footerPlace } from './parquet-footer.js';
import { writeResult } from './output.js';
import { JobRunner, type ComputeControl } from './runner.js';
import { openSource, type Source } from './source.js';
import { computeStats, statsOutput } from './stats.js';

export { defaultOutputFormat, formatFromPath, outputExtension, INPUT_EXTENSIONS } from './formats.js';
export type { ComputeControl } from './runner.js';

/** What a finished computation reports. */
export interface ComputeResult {
  /** Storage-relative path of the result file. */
  readonly output: string;
  /** Format of the result file. */
  readonly output_format: OutputFormat;
  /** Data rows read from the input. */
  readonly rows_in: number;
  /** Data rows written to the output. */
  readonly rows_out: number;
  /** Size of the output file in bytes. */
  readonly bytes: number;
}

/** What can be known of an input without reading its rows. */
export interface InputInfo {
  /** The format the input will be read as. */
  readonly format: InputFormat;
  /** Column names when the format has a header (CSV, TSV, Parquet) read within the bound, else undefined. */
  readonly columns: readonly string[] | undefined;
}

/**
 * Bytes of a CSV header or a Parquet footer read at submission: a longer one is checked by the
 * worker instead, so that a submission never reads much of a file inside the HTTP function.
 */
export const INSPECT_HEADER_BYTES = 2 ** 20;

/** DuckDB expands `*`, `?` and `[` in file names as patterns: a name holding them could read other files. */
function assertNoPattern(rel: string): void {
  if (/[*?[]/.test(rel))
    throw new InvalidPathError(rel, 'the characters * ? [ are not allowed in input paths');
}

/**
 * Checks what can be checked before queuing a request: the path is safe,
 * the file exists, the format is known, and the column names: for CSV and
 * TSV from at most the first MiB (a longer header is left to the worker),
 * for Parquet from a footer of at most a MiB, checked against the file's size.
 *
 * @throws `InvalidPathError`, `InputNotFoundError`, `UnsupportedFormatError`, `ParseError`
 */
export async function inspectInput(
  storage: Storage,
  inputPath: string,
  format?: InputFormat,
  options: EngineOptions = {},
): Promise<InputInfo> {
  // In the order a client fixes them: a safe path, an existing file, then a known format.
  const input = await storage.openInput(inputPath);
  try {
    assertNoPattern(inputPath);
    const resolvedFormat = format ?? formatFromPath(inputPath);
    // Every read goes through the opened descriptor's path, never the name again.
    const file = input.path;
    if (resolvedFormat === 'csv' || resolvedFormat === 'tsv') {
      const delimiter = options.delimiter ?? (resolvedFormat === 'tsv' ? '\t' : undefined);
      const header = await readCsvHeader(file, delimiter, INSPECT_HEADER_BYTES);
      return { format: resolvedFormat, columns: header?.names };
    }
    if (resolvedFormat === 'parquet') {
      // The footer alone tells the columns, once checked against the file's size (openSource does);
      // a footer longer than the bound is left to the worker, as a long CSV header is.
      if ((await footerPlace(file)).footerBytes > INSPECT_HEADER_BYTES) {
        return { format: resolvedFormat, columns: undefined };
      }
      const connection = await connectTo(await storage.realRoot());
      try {
        const source = await openSource(connection, file, 'parquet', {});
        return { format: resolvedFormat, columns: source.columns.map((c) => c.name) };
      } catch (err) {
        throw fromDuckDbError(err, false, 'parquet');
      } finally {
        connection.closeSync();
      }
    }
    return { format: resolvedFormat, columns: undefined };
  } finally {
    await input.close();
  }
}

/**
 * Throws when some of `requested` are not in `available`.
 *
 * @throws `UnknownColumnError` listing the unknown and the available columns
 */
export function assertColumnsExist(requested: Iterable<string>, available: readonly string[]): void {
  const known = new Set(available);
  const unknown = [...requested].filter((c) => !known.has(c));
  if (unknown.length > 0) throw new UnknownColumnError(unknown, available);
}

function lookup(source: Source, names: readonly string[]): SourceColumn[] {
  assertColumnsExist(
    names,
    source.columns.map((c) => c.name),
  );
  const byName = new Map(source.columns.map((c) => [c.name, c] as const));
  return names.map((n) => byName.get(n)!);
}

/**
 * Passes over the input, for progress: XML's load, then the operation's one (`non_null` too: it
 * counts the rows and checks the guessed types while writing; a retry past a wrong guess stays at 99%).
 */
function passesOf(format: InputFormat): number {
  return format === 'xml' ? 2 : 1;
}

/**
 * Runs one computation end to end: reads the input, computes, and writes
 * the output atomically (never replacing an existing file).
 *
 * @param storage - where input and output live
 * @param request - a validated, resolved request (output path decided)
 * @param control - progress callback and cancel signal
 * @returns the output's path and format and the row counts
 * @throws `AppError` subclasses with stable codes: invalid_path, input_not_found,
 *   unsupported_format, parse_error, unknown_column, non_numeric_column, output_exists,
 *   invalid_request, storage_error, cancelled, resource_exhausted
 *
 * @example
 * ```ts
 * const result = await runCompute(Storage.fromEnv(), {
 *   operation: 'stats', input: 'sales.csv', columns: ['amount'], output: 'results/s.csv',
 * });
 * // result.rows_out === 1
 * ```
 */
export async function runCompute(
  storage: Storage,
  request: ComputeRequest,
  control: ComputeControl = {},
): Promise<ComputeResult> {
  const format = request.format ?? formatFromPath(request.input);
  const outputFormat = request.output_format ?? defaultOutputFormat(format);
  // Opened once: every reader (DuckDB's, ours) reads this descriptor's path, so a name swapped
  // after the check cannot lead the job anywhere else.
  const input = await storage.openInput(request.input);
  try {
    assertNoPattern(request.input);
    // Fail before the work, not after: the output is checked again when published.
    if (await storage.exists(request.output)) throw new OutputExistsError(request.output);
    return await computeFrom(storage, input.path, request, format, outputFormat, control);
  } finally {
    await input.close();
  }
}

async function computeFrom(
  storage: Storage,
  file: string,
  request: ComputeRequest,
  format: InputFormat,
  outputFormat: OutputFormat,
  control: ComputeControl,
): Promise<ComputeResult> {
  // The request was validated by its schema (lib/compute-request.ts), options per operation and format included.
  const options = request.options ?? {};
  const aggregations: Record<string, readonly Aggregation[]> = request.aggregations ?? {};
  const wanted =
    request.operation === 'non_null'
      ? undefined
      : [...new Set([...request.columns, ...Object.keys(aggregations)])];
  const connection = await connectTo(await storage.realRoot());
  const runner = new JobRunner(connection, control, passesOf(format));
  let source: Source | undefined;
  const open = async (numeric: readonly string[] | 'all' | undefined): Promise<Source> =>
    openSource(
      connection,
      file,
      format,
      {
        ...(options.delimiter !== undefined && { delimiter: options.delimiter }),
        ...(options.null_values !== undefined && { null_values: options.null_values }),
        ...(options.record_tag !== undefined && { record_tag: options.record_tag }),
        ...(wanted !== undefined && { wanted }),
        ...(numeric !== undefined && { numeric }),
      },
      (done, total) => runner.report(total > 0 ? done / total : 0),
    );
  try {
    // stats and group_by read few columns, mostly numeric: CSV's reader converts them itself when a
    // sample says they are numbers (bench/results.md), and a cell that is not sends us back to text.
    // non_null writes every column: JSON's numeric keys are read as numbers too (CSV's are copied).
    source = await open(wanted ?? (format === 'json' || format === 'ndjson' ? 'all' : undefined));
    if (format === 'xml') runner.passDone();
    let result: ComputeResult;
    try {
      result = await compute(runner, storage, source, request, outputFormat);
    } catch (err) {
      if (source.typedByGuess !== true || !(err instanceof ParseError) || control.signal?.aborted === true)
        throw err;
      await source.close();
      source = await open(undefined);
      result = await compute(runner, storage, source, request, outputFormat);
    }
    control.onProgress?.(100);
    return result;
  } catch (err) {
    throw fromDuckDbError(err, control.signal?.aborted === true, format);
  } finally {
    await source?.close().catch(() => undefined);
    runner.dispose();
    connection.closeSync();
  }
}

async function compute(
  runner: JobRunner,
  storage: Storage,
  source: Source,
  request: ComputeRequest,
  outputFormat: OutputFormat,
): Promise<ComputeResult> {
  const options = request.options ?? {};
  const ddof = options.ddof ?? 1;
  const done = (rowsIn: number, written: { rows: number; bytes: number }): ComputeResult => ({
    output: request.output,
    output_format: outputFormat,
    rows_in: rowsIn,
    rows_out: written.rows,
    bytes: written.bytes,
  });
  if (request.operation === 'stats') {
    const columns = lookup(source, request.columns);
    const stats = await computeStats(runner, source, { columns, ddof });
    // The source's parameters: the output may compute the statistics as it is written (`stats.query`).
    const params = source.params.clone();
    const out = statsOutput(stats, columns, (name) => params.text(name));
    const written = await writeResult(runner, storage, request.output, outputFormat, { ...out, params });
    return done(stats.rowsIn, written);
  }
  if (request.operation === 'group_by') {
    const entries = Object.entries(request.aggregations ?? {});
    assertColumnsExist(
      [...new Set([...request.columns, ...entries.map(([name]) => name)])],
      source.columns.map((c) => c.name),
    );
    const keys = lookup(source, request.columns);
    const valueColumns = lookup(
      source,
      entries.map(([name]) => name),
    );
    const grouped = await computeGroupBy(runner, source, {
      keys,
      aggregations: entries.map(([, aggs], i) => [valueColumns[i]!, aggs] as const),
      ddof,
    });
    const written = await writeResult(runner, storage, request.output, outputFormat, {
      columns: grouped.columns,
      from: grouped.from,
      orderBy: grouped.orderBy,
      params: grouped.params,
    });
    return done(grouped.rowsIn, written);
  }
  const columns = lookup(source, request.columns);
  const nonNull = { columns, how: options.how ?? 'all' } as const;
  const plan = await planNonNull(runner, source, nonNull, outputFormat);
  try {
    const written = await writeResult(runner, storage, request.output, outputFormat, plan.query);
    return done(await plan.rowsIn(), written);
  } catch (err) {
    if (!plan.guessed || !(err instanceof Error) || !err.message.includes(TYPE_GUESS_FAILED)) throw err;
    // A cell contradicted a type guessed from the sample: type the columns over the whole input.
    const typedPlan = await planNonNull(runner, source, nonNull, outputFormat, false);
    const written = await writeResult(runner, storage, request.output, outputFormat, typedPlan.query);
    return done(await typedPlan.rowsIn(), written);
  }
}
