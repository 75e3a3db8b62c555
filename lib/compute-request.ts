/**
 * The compute request, written once: the HTTP handler validates bodies with
 * it before queuing, the worker validates queued messages with it again, and
 * the engine takes its parsed type.
 *
 * @module
 */
import { z } from 'zod';
import { INPUT_FORMATS, OUTPUT_FORMATS } from './types.js';

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
  maxPathLength: 1024,
  maxNullValues: 100,
} as const;

const columnName = z.string().min(1).max(REQUEST_LIMITS.maxNameLength);
const storagePath = z.string().min(1).max(REQUEST_LIMITS.maxPathLength);

/** Engine options; all optional, unknown keys refused. */
export const EngineOptionsSchema = z
  .object({
    delimiter: z.enum([',', ';', '\t', '|']).optional(),
    null_values: z.array(z.string().max(100)).max(REQUEST_LIMITS.maxNullValues).optional(),
    record_tag: z
      .string()
      .regex(/^[A-Za-z_][\w.-]*$/, 'must be an XML element name')
      .max(200)
      .optional(),
    how: z.enum(['all', 'any']).optional(),
    ddof: z.union([z.literal(0), z.literal(1)]).optional(),
  })
  .strict();
/** Parsed engine options. */
export type EngineOptions = z.infer<typeof EngineOptionsSchema>;

const distinctColumns = z
  .array(columnName)
  .min(1)
  .max(REQUEST_LIMITS.maxColumns)
  .refine((cols) => new Set(cols).size === cols.length, 'column names must be distinct');

const common = {
  input: storagePath,
  columns: distinctColumns,
  format: z.enum(INPUT_FORMATS).optional(),
  output_format: z.enum(OUTPUT_FORMATS).optional(),
  output: storagePath.optional(),
  options: EngineOptionsSchema.optional(),
};

/** `group_by` parameters: key `columns` and optional `aggregations`. */
export const GroupByParamsSchema = z
  .object({
    ...common,
    aggregations: z
      .record(columnName, z.array(z.enum(AGGREGATIONS)).min(1).max(AGGREGATIONS.length))
      .refine((a) => Object.keys(a).length <= REQUEST_LIMITS.maxColumns, 'too many aggregated columns')
      .optional(),
  })
  .strict();

/** `non_null` and `stats` parameters. */
export const ColumnsParamsSchema = z.object(common).strict();

/** Body schema of `POST /compute/<operation>` for each operation (the `Authorization` field is removed before). */
export const PARAMS_SCHEMAS = {
  group_by: GroupByParamsSchema,
  non_null: ColumnsParamsSchema,
  stats: ColumnsParamsSchema,
} as const satisfies Record<Operation, z.ZodType>;

/** Parameters of one operation as the client sent them (validated). */
export type ComputeParams = z.infer<typeof GroupByParamsSchema>;

/**
 * A fully resolved compute request, as queued and as the engine runs it:
 * the output path and format are decided before queuing.
 */
export const ComputeRequestSchema = GroupByParamsSchema.extend({
  operation: z.enum(OPERATIONS),
  output: storagePath,
}).strict();
/** A fully resolved compute request. */
export type ComputeRequest = z.infer<typeof ComputeRequestSchema>;

/** True when `name` is an operation the engine knows. */
export function isOperation(name: string): name is Operation {
  return (OPERATIONS as readonly string[]).includes(name);
}
