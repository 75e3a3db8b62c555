/**
 * The compute routes of docs/openapi.yaml: `POST /compute/<operation>`, one
 * per operation, each with its own request schema (the one its function
 * validates with) and examples that run on the files `npm run demo` writes.
 *
 * @module
 */
import './openapi-zod.js';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_PATTERN,
  OPERATIONS,
  PARAMS_SCHEMAS,
  type Operation,
} from '../lib/compute-request.js';
import { MAX_BODY_BYTES } from '../lib/http/middlewares.js';
import { MAX_WAIT_SECONDS } from '../lib/service/wait.js';
import { BODY_TOKEN_DESCRIPTION, errorResponses, HEADER_OR_BODY_TOKEN, json } from './openapi-parts.js';
import { Accepted, Job } from './openapi-schemas.js';

/** The name of each operation's request schema. */
export const REQUEST_NAMES: Record<Operation, string> = {
  group_by: 'GroupByRequest',
  non_null: 'NonNullRequest',
  stats: 'StatsRequest',
};

type Examples = Record<string, { summary: string; value: Record<string, unknown> }>;

/**
 * Examples of each operation, on the files `npm run demo` writes (`demo/sales.<format>`, see
 * `lib/local/demo-data.ts`), writing every output format between them; a unit test checks each against
 * its route's schemas, and the Prism contract test runs each.
 */
export const EXAMPLES: Record<Operation, Examples> = {
  group_by: {
    csv: {
      summary: 'quantities and prices per region',
      value: {
        input: 'demo/sales.csv',
        columns: ['region'],
        aggregations: { quantity: ['sum', 'mean'], unit_price: ['max'] },
      },
    },
    parquet: {
      summary: 'rows and median quantity per region and product, written as Parquet',
      value: {
        input: 'demo/sales.parquet',
        columns: ['region', 'product'],
        aggregations: { quantity: ['count', 'median'] },
        output_format: 'parquet',
      },
    },
  },
  non_null: {
    json: {
      summary: 'rows with a region or a quantity',
      value: { input: 'demo/sales.json', columns: ['region', 'quantity'], options: { how: 'any' } },
    },
    xml: {
      summary: 'rows with a quantity, from XML records, written as NDJSON',
      value: {
        input: 'demo/sales.xml',
        columns: ['quantity'],
        output_format: 'ndjson',
        options: { record_tag: 'row', null_values: ['', 'NA'] },
      },
    },
  },
  stats: {
    parquet: {
      summary: 'population statistics of Parquet columns, written as CSV',
      value: {
        input: 'demo/sales.parquet',
        columns: ['quantity', 'unit_price'],
        output_format: 'csv',
        options: { ddof: 0 },
      },
    },
    ndjson: {
      summary: 'statistics of NDJSON columns, written as XML',
      value: { input: 'demo/sales.ndjson', columns: ['unit_price'], output_format: 'xml' },
    },
  },
};

const SUMMARIES: Record<Operation, string> = {
  group_by: 'Queue a group_by: one row per distinct key tuple, with the aggregations asked for',
  non_null: 'Queue a non_null: the rows whose listed columns are non-null',
  stats: 'Queue a stats: count, nulls, mean, variance, std, min and max of each listed column',
};

/** The `operationId` of an operation's route: `computeGroupBy`… */
export const operationId = (op: Operation): string =>
  `compute${op.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}`;

/** The schema of an operation's body in the contract: the operation's own, and the token's body field. */
export const requestSchema = (op: Operation) =>
  PARAMS_SCHEMAS[op].extend({ Authorization: z.string().min(1).optional().describe(BODY_TOKEN_DESCRIPTION) });

const header = (description: string, required = true) => ({
  description,
  required,
  schema: { type: 'string' as const },
});
const replayed = {
  description: '`true` when this answers a replayed `Idempotency-Key`',
  schema: { type: 'string' as const, enum: ['true'] },
};

/** The refusals of a submission, with what each means there. */
const COMPUTE_ERRORS = errorResponses({
  invalid_request:
    'the body breaks the operation’s schema (`details.issues` lists every issue, `details.allowed_fields` the ' +
    'fields), is not a JSON object ("the body must be a JSON object") or not JSON, or the `Idempotency-Key` ' +
    'is malformed',
  invalid_path: 'the input or output path is absolute, escapes the storage, or is too long',
  input_not_found: 'the input file does not exist',
  output_exists: 'the output path is taken (a result is never replaced)',
  conflict: 'another request with the same `Idempotency-Key` is in progress; retry',
  payload_too_large: `the body is over ${MAX_BODY_BYTES / 1024} KiB`,
  unsupported_format: 'the input’s format (its `format`, else its extension) is not one the engine reads',
  unsupported_media_type: 'the body was sent as another type than `application/json`',
  unknown_column:
    'a column is not in the input (CSV, TSV, Parquet, from at most the first MiB of the file: a longer ' +
    'header or footer is checked by the worker); `details.available` lists the first 100 columns, and ' +
    '`details.available_count` counts them when there are more',
  parse_error: 'the input’s header (CSV, TSV) or footer (Parquet) is unreadable',
  idempotency_key_reused: 'the `Idempotency-Key` came with another request (operation or body)',
  too_many_requests:
    'over MAX_QUEUED_JOBS waiting jobs in all, or the caller already has MAX_QUEUED_JOBS_PER_USER (default ' +
    '100) jobs queued or running (`details.limit`); other users are not affected',
  queue_unavailable: 'nothing was queued; retry after `Retry-After` seconds',
  storage_error:
    'the storage is read-only or full (`details.cause` `EROFS`, `ENOSPC`…), or the jobs table is unreachable',
});

/** Registers `POST /compute/<operation>` of each operation, and its request schema. */
export function registerComputeRoutes(registry: OpenAPIRegistry): void {
  for (const op of OPERATIONS) {
    const body = registry.register(REQUEST_NAMES[op], requestSchema(op));
    registry.registerPath({
      method: 'post',
      operationId: operationId(op),
      path: `/compute/${op}`,
      summary: SUMMARIES[op],
      description:
        'Options that belong to another input format are refused (`invalid_request`): `delimiter` is for CSV ' +
        'and TSV, `record_tag` for XML, `null_values` for CSV, TSV and XML; the format is `format`, else the ' +
        "input's extension. Each operation is its own function; `/compute/<anything else>` matches no route, " +
        'and the HTTP API answers 404 itself. The token comes in the `Authorization` header (`Bearer <jwt>` or ' +
        'the JWT alone) or in the body field `Authorization`; without any, 401.',
      security: HEADER_OR_BODY_TOKEN,
      request: {
        headers: z.object({
          Prefer: z
            .string()
            .optional()
            .openapi({
              description: `RFC 7240 \`wait=N\` (N ≤ ${MAX_WAIT_SECONDS} s): answer 200 with the finished job if it ends in time`,
            }),
          'Idempotency-Key': z
            .string()
            .regex(IDEMPOTENCY_KEY_PATTERN)
            .optional()
            .openapi({
              description:
                `1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters (\`!\` to \`~\`, no space), kept ` +
                '24 h per user with the SHA-256 of the request (operation and canonical body). The same key with ' +
                'the same request is a replay: the first answer again (its status, `Location`, ' +
                '`Preference-Applied`) with the job as it is now and `Idempotent-Replayed: true`; with another ' +
                'request, 422 `idempotency_key_reused`; malformed, 400 `invalid_request`.',
            }),
        }),
        body: { required: true, content: { 'application/json': { schema: body, examples: EXAMPLES[op] } } },
      },
      responses: {
        200: {
          ...json(Job, 'the finished job (`Prefer: wait`), or the replay of such an answer'),
          headers: {
            Location: header('`/jobs/<id>`'),
            'Preference-Applied': header('`wait=N`: the answer waited for the job'),
            'Idempotent-Replayed': replayed,
          },
        },
        202: {
          ...json(Accepted, 'queued, or the replay of a queued answer (with the job’s current status)'),
          headers: { Location: header('`/jobs/<id>`'), 'Idempotent-Replayed': replayed },
        },
        ...COMPUTE_ERRORS,
      },
    });
  }
}
