/**
 * The compute request, written once and validated once: the HTTP handler
 * parses bodies with the per-operation params schemas, the worker parses the
 * queued request with the discriminated union, the OpenAPI generator
 * describes the same schemas, and the engine takes the parsed type as it is
 * (no defaults or option checks of its own).
 *
 * Every rule a request can break without reading the input is here: the
 * fields of each operation, the options of each operation, and the options
 * of each input format (the format is the request's `format`, else the one
 * the input's extension names).
 *
 * @module
 */
import { z } from 'zod';
import { knownFormatOf } from './input-format.js';
import { MAX_OUTPUT_NAME_BYTES, MAX_PATH_BYTES, MAX_SEGMENT_BYTES } from './storage/paths.js';
import { INPUT_FORMATS, OUTPUT_FORMATS, type InputFormat } from './types.js';

/** The operations the engine runs. */
export const OPERATIONS = ['group_by', 'non_null', 'stats'] as const;
/** An operation name. */
export type Operation = (typeof OPERATIONS)[number];

/** Aggregations that `group_by` computes per group and column. */
export const AGGREGATIONS = [
  'count',
  'sum',
  'mean',
  'min',
  'max',
  'variance',
  'std',
  'median',
  'nunique',
] as const;
/** An aggregation name. */
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Limits that keep one request from exhausting a worker. */
export const REQUEST_LIMITS = {
  maxColumns: 1000,
  maxNameLength: 1024,
  maxNullValues: 100,
} as const;

/** Longest `Idempotency-Key` accepted, in characters. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/**
 * The `Idempotency-Key` header of a submission: 1 to {@link IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII
 * characters (no space: `!` to `~`).
 */
export const IDEMPOTENCY_KEY_PATTERN = new RegExp(`^[\\x21-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`);

/** The input formats each format-specific option applies to. */
export const FORMAT_OPTIONS = {
  delimiter: ['csv', 'tsv'],
  record_tag: ['xml'],
  // JSON and NDJSON have `null`, Parquet has typed nulls: no string stands for a null there.
  null_values: ['csv', 'tsv', 'xml'],
} as const satisfies Record<string, readonly InputFormat[]>;

/** Fields and options that belong to some operations only, with the operations they belong to. */
const SCOPED_FIELDS: Readonly<Record<string, string>> = {
  aggregations: 'group_by only',
  how: 'non_null only',
  ddof: 'stats and group_by only',
};

/**
 * The message of an unknown field: says which operation a field of another
 * operation belongs to, rather than only that it is unknown here.
 */
function unknownFieldMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const keys = issue.keys.map((k) => (SCOPED_FIELDS[k] ? `"${k}" (${SCOPED_FIELDS[k]})` : `"${k}"`));
  return `Unrecognized key${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`;
}

const strictObject = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, { error: unknownFieldMessage });

const columnName = z.string().min(1).max(REQUEST_LIMITS.maxNameLength);
// No length bound here: a path too long for the storage is `invalid_path` (lib/storage/paths.ts), whatever
// its length, never an `invalid_request` of another shape; the body limit bounds the string.
const storagePath = z.string().min(1);
const PATH_RULES =
  `relative to the storage root, \`/\`-separated; at most ${MAX_PATH_BYTES} bytes, each folder or file name ` +
  `at most ${MAX_SEGMENT_BYTES} bytes (UTF-8); longer: 400 \`invalid_path\``;

const readOptionFields = {
  delimiter: z
    .enum([',', ';', '\t', '|'])
    .optional()
    .describe('CSV and TSV inputs only; detected among `,` `;` tab `|` when absent (TSV: tab)'),
  null_values: z
    .array(z.string().max(100))
    .max(REQUEST_LIMITS.maxNullValues)
    .optional()
    .describe('CSV, TSV and XML inputs only: strings read as null (default: those of pandas)'),
  record_tag: z
    .string()
    .regex(/^[A-Za-z_][\w.-]*$/, 'must be an XML element name')
    .max(200)
    .optional()
    .describe('XML inputs only: the tag of the record elements (default: the repeated children of the root)'),
};
const ddof = z
  .union([z.literal(0), z.literal(1)])
  .optional()
  .describe('delta degrees of freedom of `variance` and `std` (default 1, as pandas)');

/** `group_by` options: the read options and `ddof`. */
export const GroupByOptionsSchema = strictObject({ ...readOptionFields, ddof });
/** `non_null` options: the read options and `how`. */
export const NonNullOptionsSchema = strictObject({
  ...readOptionFields,
  how: z
    .enum(['all', 'any'])
    .optional()
    .describe('`all` (default): keep rows where every column is non-null; `any`: at least one'),
});
/** `stats` options: the read options and `ddof`. */
export const StatsOptionsSchema = strictObject({ ...readOptionFields, ddof });

const distinctColumns = z
  .array(columnName)
  .min(1)
  .max(REQUEST_LIMITS.maxColumns)
  .refine((cols) => new Set(cols).size === cols.length, 'column names must be distinct')
  // The refinement is invisible to JSON Schema; the contract says it with `uniqueItems`.
  .meta({ uniqueItems: true });

const commonFields = {
  input: storagePath.describe(`path of the input file, ${PATH_RULES}`),
  columns: distinctColumns,
  format: z.enum(INPUT_FORMATS).optional().describe("the input's format (default: from its extension)"),
  output_format: z
    .enum(OUTPUT_FORMATS)
    .optional()
    .describe("the result's format (default: the input's, TSV written as CSV)"),
  output: storagePath
    .optional()
    .describe(
      `path of the result (default: \`results/<job_id>.<format>\`), never replaced; ${PATH_RULES}, ` +
        `its file name at most ${MAX_OUTPUT_NAME_BYTES} bytes`,
    ),
};

const aggregations = z
  .record(columnName, z.array(z.enum(AGGREGATIONS)).min(1).max(AGGREGATIONS.length))
  .refine((a) => Object.keys(a).length <= REQUEST_LIMITS.maxColumns, 'too many aggregated columns')
  .optional()
  .describe('per aggregated column, the aggregations to compute (a `count` of rows is always given)');

/** What the format rules look at in a request. */
interface FormatScoped {
  readonly input: string;
  readonly format?: InputFormat | undefined;
  readonly options?: { readonly [K in keyof typeof FORMAT_OPTIONS]?: unknown } | undefined;
}

/**
 * Refuses format-specific options on an input of another format. An input
 * whose format is unknown is left alone here: inspecting the input reports
 * it (`unsupported_format`) with the formats that exist.
 */
function checkFormatOptions(request: FormatScoped, ctx: z.RefinementCtx): void {
  const format = request.format ?? knownFormatOf(request.input);
  if (format === undefined || request.options === undefined) return;
  for (const [option, formats] of Object.entries(FORMAT_OPTIONS)) {
    const key = option as keyof typeof FORMAT_OPTIONS;
    if (request.options[key] !== undefined && !(formats as readonly InputFormat[]).includes(format)) {
      ctx.addIssue({
        code: 'custom',
        path: ['options', key],
        message: `applies to ${formats.join('/').toUpperCase()} inputs only; this input is ${format.toUpperCase()}`,
      });
    }
  }
}

/** Body of `POST /compute/group_by`: key `columns` and optional `aggregations`. */
export const GroupByParamsSchema = strictObject({
  ...commonFields,
  columns: distinctColumns.describe('the group keys'),
  aggregations,
  options: GroupByOptionsSchema.optional(),
}).superRefine(checkFormatOptions);

/** Body of `POST /compute/non_null`. */
export const NonNullParamsSchema = strictObject({
  ...commonFields,
  columns: distinctColumns.describe('the columns that must be non-null'),
  options: NonNullOptionsSchema.optional(),
}).superRefine(checkFormatOptions);

/** Body of `POST /compute/stats`. */
export const StatsParamsSchema = strictObject({
  ...commonFields,
  columns: distinctColumns.describe('the columns to describe, one output row each'),
  options: StatsOptionsSchema.optional(),
}).superRefine(checkFormatOptions);

/** Body schema of `POST /compute/<operation>` for each operation (the `Authorization` field is removed before). */
export const PARAMS_SCHEMAS = {
  group_by: GroupByParamsSchema,
  non_null: NonNullParamsSchema,
  stats: StatsParamsSchema,
} as const satisfies Record<Operation, z.ZodType>;

/** Parameters of `group_by` as the client sent them (validated). */
export type GroupByParams = z.infer<typeof GroupByParamsSchema>;
/** Parameters of `non_null` as the client sent them (validated). */
export type NonNullParams = z.infer<typeof NonNullParamsSchema>;
/** Parameters of `stats` as the client sent them (validated). */
export type StatsParams = z.infer<typeof StatsParamsSchema>;
/** Parameters of one operation as the client sent them (validated), tagged with the operation. */
export type ComputeParams =
  | (GroupByParams & { operation: 'group_by' })
  | (NonNullParams & { operation: 'non_null' })
  | (StatsParams & { operation: 'stats' });

// The resolved request: the output path is decided before queuing. `safeExtend` keeps the
// strictness and the format rules of the params schemas.
const resolved = <O extends Operation>(operation: O) => ({
  operation: z.literal(operation),
  output: storagePath,
});

/**
 * A fully resolved compute request, as queued and as the engine runs it,
 * discriminated on `operation`: each operation's fields and options only,
 * and the format rules of its options.
 */
export const ComputeRequestSchema = z.discriminatedUnion('operation', [
  GroupByParamsSchema.safeExtend(resolved('group_by')),
  NonNullParamsSchema.safeExtend(resolved('non_null')),
  StatsParamsSchema.safeExtend(resolved('stats')),
]);

/**
 * Each member of the union `U`, with the keys that only other members have
 * declared absent (`?: undefined`), so that consumers can read any field
 * without narrowing first, while an object carrying another operation's
 * field still does not type-check.
 */
export type Exclusive<U, All = U> = U extends unknown
  ? U & { [K in Exclude<All extends unknown ? keyof All : never, keyof U>]?: undefined }
  : never;

/** Parsed options of one operation or another. */
export type OperationOptions =
  | z.infer<typeof GroupByOptionsSchema>
  | z.infer<typeof NonNullOptionsSchema>
  | z.infer<typeof StatsOptionsSchema>;

/** Parsed options of any operation (an option of another operation reads as `undefined`). */
export type EngineOptions = Exclusive<OperationOptions>;

/** A request whose `options` are read as {@link Exclusive} options. */
export type WithExclusiveOptions<R extends { options?: OperationOptions | undefined }> = Omit<
  R,
  'options'
> & {
  options?: Exclusive<NonNullable<R['options']>, OperationOptions> | undefined;
};

/** A resolved request as zod infers it from {@link ComputeRequestSchema}. */
export type ParsedComputeRequest = z.infer<typeof ComputeRequestSchema>;

/**
 * A fully resolved compute request, one member per operation; a field or
 * option of another operation reads as `undefined`.
 */
export type ComputeRequest = Exclusive<
  ParsedComputeRequest extends infer R
    ? R extends ParsedComputeRequest
      ? WithExclusiveOptions<R>
      : never
    : never
>;
