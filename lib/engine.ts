/**
 * The data engine's entry point: given a storage and a resolved compute
 * request, reads the input, runs the operation and publishes the result
 * atomically. The HTTP service and the worker only wrap these functions.
 *
 * @module
 */
import * as aq from 'arquero';
import type { Aggregation, ComputeRequest, EngineOptions, Operation } from './compute-request.js';
import { InvalidRequestError, OutputExistsError } from './errors.js';
import { assertColumnsExist } from './ops/columns.js';
import { computeGroupBy } from './ops/group-by.js';
import { filterNonNull, resolveSchema } from './ops/non-null.js';
import { computeStats, STATS_SCHEMA } from './ops/stats.js';
import { formatFromPath, openSource } from './readers/index.js';
import type { Storage } from './storage/storage.js';
import type { ColumnSpec, InputFormat, OutputFormat, ReadOptions, Scalar, TableSource } from './types.js';
import { createWriter } from './writers/index.js';

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
  /** Column names when the format has a header (CSV, TSV, Parquet), else undefined. */
  readonly columns: readonly string[] | undefined;
}

/** The output format used when the request gives none: the input's, with TSV written as CSV. */
export function defaultOutputFormat(input: InputFormat): OutputFormat {
  return input === 'tsv' ? 'csv' : input;
}

/** The file extension (without dot) of an output format. */
export function outputExtension(format: OutputFormat): string {
  return format;
}

/**
 * Refuses options that do not apply to the operation or the format, rather
 * than silently ignoring what the client meant.
 *
 * @throws `InvalidRequestError`
 */
export function assertOptionsFit(
  operation: Operation,
  format: InputFormat,
  options: EngineOptions = {},
): void {
  const misfits: string[] = [];
  if (options.delimiter !== undefined && format !== 'csv' && format !== 'tsv')
    misfits.push('delimiter (CSV/TSV only)');
  if (options.record_tag !== undefined && format !== 'xml') misfits.push('record_tag (XML only)');
  if (options.how !== undefined && operation !== 'non_null') misfits.push('how (non_null only)');
  if (options.ddof !== undefined && operation === 'non_null') misfits.push('ddof (stats and group_by only)');
  if (misfits.length > 0) {
    throw new InvalidRequestError(`options not applicable here: ${misfits.join(', ')}`, { options: misfits });
  }
}

function readOptions(options: EngineOptions, columns?: readonly string[]): ReadOptions {
  return {
    ...(options.delimiter !== undefined && { delimiter: options.delimiter }),
    ...(options.null_values !== undefined && { null_values: options.null_values }),
    ...(options.record_tag !== undefined && { record_tag: options.record_tag }),
    ...(columns !== undefined && { columns }),
  };
}

/**
 * Checks what can be checked before queuing a request: the path is safe,
 * the file exists, the format is known, and for formats with a header, reads
 * the column names (without reading any row).
 *
 * @throws `InvalidPathError`, `InputNotFoundError`, `UnsupportedFormatError`, `ParseError`
 */
export async function inspectInput(
  storage: Storage,
  input: string,
  format?: InputFormat,
  options: EngineOptions = {},
): Promise<InputInfo> {
  // In the order a client fixes them: a safe path, an existing file, then a known format.
  const file = await storage.resolveExisting(input);
  const resolvedFormat = format ?? formatFromPath(input);
  if (resolvedFormat === 'csv' || resolvedFormat === 'tsv' || resolvedFormat === 'parquet') {
    const header = await openSource(file, resolvedFormat, readOptions(options)).header();
    return { format: resolvedFormat, columns: header };
  }
  return { format: resolvedFormat, columns: undefined };
}

function tableOf(schema: readonly ColumnSpec[], rows: readonly Record<string, Scalar>[]): aq.ColumnTable {
  const data: Record<string, Scalar[]> = {};
  for (const { name } of schema) data[name] = rows.map((row) => row[name] ?? null);
  return aq.table(data);
}

/**
 * Runs one computation end to end: reads the input, computes, and writes
 * the output atomically (never replacing an existing file).
 *
 * @param storage - where input and output live
 * @param request - a validated, resolved request (output path decided)
 * @returns the output's path and format and the row counts
 * @throws `AppError` subclasses with stable codes: invalid_path, input_not_found,
 *   unsupported_format, parse_error, unknown_column, non_numeric_column, output_exists,
 *   invalid_request, storage_error
 *
 * @example
 * ```ts
 * const result = await runCompute(Storage.fromEnv(), {
 *   operation: 'stats', input: 'sales.csv', columns: ['amount'], output: 'results/s.csv',
 * });
 * // result.rows_out === 1
 * ```
 */
export async function runCompute(storage: Storage, request: ComputeRequest): Promise<ComputeResult> {
  const format = request.format ?? formatFromPath(request.input);
  const outputFormat = request.output_format ?? defaultOutputFormat(format);
  const options = request.options ?? {};
  assertOptionsFit(request.operation, format, options);
  if (request.aggregations !== undefined && request.operation !== 'group_by') {
    throw new InvalidRequestError('aggregations apply to group_by only');
  }
  const file = await storage.resolveExisting(request.input);
  // Fail before the work, not after: the output is checked again when published.
  if (await storage.exists(request.output)) throw new OutputExistsError(request.output);

  if (request.operation === 'non_null') {
    const source = openSource(file, format, readOptions(options));
    const textToText = (format === 'csv' || format === 'tsv') && outputFormat === 'csv';
    const schema = await resolveSchema(source, textToText);
    // Checked before the output is opened, so a wrong request creates nothing on the storage.
    assertColumnsExist(
      request.columns,
      schema.map((c) => c.name),
    );
    let counts = { rowsIn: 0, rowsOut: 0 };
    const { bytes } = await storage.writeAtomic(request.output, async (sink) => {
      const writer = createWriter(outputFormat, sink, schema);
      counts = await filterNonNull(
        source,
        { columns: request.columns, how: options.how ?? 'all' },
        schema,
        writer,
      );
      await writer.close();
    });
    return result(request.output, outputFormat, counts.rowsIn, counts.rowsOut, bytes);
  }

  const { schema, rows, rowsIn } = await aggregate(request, file, format, options);
  const { bytes } = await storage.writeAtomic(request.output, async (sink) => {
    const writer = createWriter(outputFormat, sink, schema);
    await writer.write(tableOf(schema, rows));
    await writer.close();
  });
  return result(request.output, outputFormat, rowsIn, rows.length, bytes);
}

async function aggregate(
  request: ComputeRequest,
  file: string,
  format: InputFormat,
  options: EngineOptions,
): Promise<{ schema: readonly ColumnSpec[]; rows: Record<string, Scalar>[]; rowsIn: number }> {
  const ddof = options.ddof ?? 1;
  if (request.operation === 'stats') {
    const source: TableSource = openSource(file, format, readOptions(options, request.columns));
    const { rows, rowsIn } = await computeStats(source, { columns: request.columns, ddof });
    return { schema: STATS_SCHEMA, rows, rowsIn };
  }
  const aggregations: Record<string, readonly Aggregation[]> = request.aggregations ?? {};
  const needed = [...new Set([...request.columns, ...Object.keys(aggregations)])];
  const source = openSource(file, format, readOptions(options, needed));
  return computeGroupBy(source, { keys: request.columns, aggregations, ddof });
}

function result(
  output: string,
  format: OutputFormat,
  rowsIn: number,
  rowsOut: number,
  bytes: number,
): ComputeResult {
  return { output, output_format: format, rows_in: rowsIn, rows_out: rowsOut, bytes };
}
