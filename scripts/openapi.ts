/**
 * `npm run openapi`: writes docs/openapi.yaml (OpenAPI 3.1) from the zod
 * schemas the code validates requests with, plus the response shapes.
 * `--check` fails instead when the committed file differs (the tests run it).
 */
import './openapi-zod.js';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { z } from 'zod';
import {
  IDEMPOTENCY_KEY_PATTERN,
  PARAMS_SCHEMAS,
  OPERATIONS,
  type Operation,
} from '../lib/compute-request.js';
import { MAX_PREVIEW_ROWS } from '../lib/engine/preview.js';
import { ERROR_CODES } from '../lib/errors.js';
import { JOB_STATUSES } from '../lib/jobs/job.js';
import { OUTPUT_FORMATS } from '../lib/types.js';

const registry = new OpenAPIRegistry();
const bearer = registry.registerComponent('securitySchemes', 'bearer', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
});

const ErrorBody = registry.register(
  'Error',
  z
    .object({
      error: z
        .object({
          code: z.enum(ERROR_CODES),
          message: z.string(),
          details: z.record(z.string(), z.unknown()).optional(),
        })
        .strict(),
    })
    .strict(),
);
const JobError = z.object({ code: z.string(), message: z.string() }).strict();
const Job = registry.register(
  'Job',
  z
    .object({
      job_id: z.string(),
      status: z.enum(JOB_STATUSES),
      operation: z.enum(['group_by', 'non_null', 'stats']),
      input: z.string(),
      output: z.string(),
      output_format: z.enum(OUTPUT_FORMATS),
      submitted_by: z.string(),
      submitted_at: z.string(),
      started_at: z.string().nullable(),
      finished_at: z.string().nullable(),
      duration_ms: z.number().nullable(),
      rows_in: z.number().nullable(),
      rows_out: z.number().nullable(),
      attempts: z.number().int(),
      progress: z
        .number()
        .int()
        .min(0)
        .max(100)
        .nullable()
        .optional()
        .describe('how far the running attempt is, 0–100, updated at most once a second; 100 once succeeded'),
      error: JobError.nullable(),
    })
    .strict(),
);
const Accepted = registry.register(
  'Accepted',
  z
    .object({
      job_id: z.string(),
      status: z
        .enum(JOB_STATUSES)
        .describe('`queued`; in a replay (`Idempotent-Replayed: true`) the job’s current status'),
      operation: z.enum(['group_by', 'non_null', 'stats']),
      input: z.string(),
      output: z.string(),
      output_format: z.enum(OUTPUT_FORMATS),
      submitted_by: z.string(),
      submitted_at: z.string(),
      links: z.object({ self: z.string() }).strict(),
    })
    .strict(),
);
const Health = registry.register(
  'Health',
  z
    .object({
      status: z.enum(['ok', 'degraded']),
      version: z.string(),
      checks: z.object({ storage: z.enum(['ok', 'failing']), queue: z.enum(['ok', 'failing']) }).strict(),
    })
    .strict(),
);
const JobPage = registry.register(
  'JobPage',
  z.object({ jobs: z.array(Job), next_cursor: z.string().nullable() }).strict(),
);
const REQUEST_NAMES: Record<Operation, string> = {
  group_by: 'GroupByRequest',
  non_null: 'NonNullRequest',
  stats: 'StatsRequest',
};

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(ErrorBody, description);
const authHeaders = {
  401: {
    ...error('missing, malformed, badly signed or expired token'),
    headers: {
      'WWW-Authenticate': {
        description: '`Bearer`, with `error="invalid_token"` when a token was sent',
        schema: { type: 'string' as const },
      },
    },
  },
  500: error('internal error (no details)'),
};
const jobId = z.string().openapi({ param: { name: 'id', in: 'path' }, example: '00mx0sfwnt0e97da00d38b' });

registry.registerPath({
  method: 'get',
  operationId: 'health',
  path: '/health',
  summary: "The server's status",
  security: [{ [bearer.name]: [] }],
  responses: {
    200: json(Health, 'storage writable and queue reachable'),
    503: json(Health, 'a check fails'),
    ...authHeaders,
  },
});

/** One example per operation, on the files `npm run demo` writes (each is parsed by its schema in a test). */
const EXAMPLES: Record<Operation, Record<string, { summary: string; value: Record<string, unknown> }>> = {
  group_by: {
    csv: {
      summary: 'quantities and prices per region',
      value: {
        input: 'demo/sales.csv',
        columns: ['region'],
        aggregations: { quantity: ['sum', 'mean'], unit_price: ['max'] },
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
  },
};

const SUMMARIES: Record<Operation, string> = {
  group_by: 'Queue a group_by: one row per distinct key tuple, with the aggregations asked for',
  non_null: 'Queue a non_null: the rows whose listed columns are non-null',
  stats: 'Queue a stats: count, nulls, mean, variance, std, min and max of each listed column',
};

const operationId = (op: Operation): string =>
  `compute${op.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}`;

for (const op of OPERATIONS) {
  const body = registry.register(REQUEST_NAMES[op], PARAMS_SCHEMAS[op]);
  registry.registerPath({
    method: 'post',
    operationId: operationId(op),
    path: `/compute/${op}`,
    summary: SUMMARIES[op],
    description:
      'Options that belong to another input format are refused (`invalid_request`): `delimiter` is for CSV and ' +
      'TSV, `record_tag` for XML, `null_values` for CSV, TSV and XML; the format is `format`, else the ' +
      "input's extension. Each operation is its own function; `/compute/<anything else>` matches no route, " +
      'and the HTTP API answers 404 itself.',
    security: [{ [bearer.name]: [] }],
    request: {
      headers: z.object({
        Prefer: z.string().optional().openapi({
          description: 'RFC 7240 `wait=N` (N ≤ 25 s): answer 200 with the finished job if it ends in time',
        }),
        'Idempotency-Key': z
          .string()
          .regex(IDEMPOTENCY_KEY_PATTERN)
          .optional()
          .openapi({
            description:
              '1 to 255 printable ASCII characters, kept 24 h per user with the SHA-256 of the request (operation and ' +
              'canonical body). The same key with the same request is a replay: the first answer again (its status, ' +
              '`Location`, `Preference-Applied`) with the job as it is now and `Idempotent-Replayed: true`; with ' +
              'another request, 422 `idempotency_key_reused`.',
          }),
      }),
      body: { required: true, content: { 'application/json': { schema: body, examples: EXAMPLES[op] } } },
    },
    responses: {
      200: {
        ...json(Job, 'the finished job (`Prefer: wait`), or its replay'),
        headers: {
          Location: { description: '`/jobs/<id>`', schema: { type: 'string' } },
          'Preference-Applied': {
            description: '`wait=N` when the answer waited for the job',
            schema: { type: 'string' },
          },
          'Idempotent-Replayed': {
            description: '`true` when this answers a replayed `Idempotency-Key`',
            schema: { type: 'string', enum: ['true'] },
          },
        },
      },
      202: {
        ...json(Accepted, 'queued, or the replay of a queued answer (with the job’s current status)'),
        headers: {
          Location: { description: '`/jobs/<id>`', schema: { type: 'string' } },
          'Idempotent-Replayed': {
            description: '`true` when this answers a replayed `Idempotency-Key`',
            schema: { type: 'string', enum: ['true'] },
          },
        },
      },
      400: error(
        'invalid_request (listing every issue and the allowed fields; "the body must be a JSON object" for a body ' +
          'that is not one) or invalid_path',
      ),
      404: error('input_not_found'),
      409: error('output_exists'),
      413: error('payload_too_large (over 64 KiB)'),
      415: error(
        'unsupported_format (the input), or unsupported_media_type (a body sent as another type than application/json)',
      ),
      422: error(
        'unknown_column (CSV, TSV, Parquet, from at most the first MiB of the file: a longer header or footer is ' +
          'checked by the worker), parse_error when the header is unreadable, or idempotency_key_reused (the ' +
          'Idempotency-Key came with another request); `details.available` lists the first 100 columns and ' +
          '`details.available_count` counts them when there are more',
      ),
      429: {
        ...error(
          'too_many_requests: over MAX_QUEUED_JOBS waiting jobs in all, or the caller already has ' +
            'MAX_QUEUED_JOBS_PER_USER (default 100) jobs queued or running (`details.limit`); other users are not affected',
        ),
        headers: { 'Retry-After': { description: 'seconds', schema: { type: 'string' } } },
      },
      503: error('queue_unavailable or storage_error'),
      ...authHeaders,
    },
  });
}

registry.registerPath({
  method: 'get',
  operationId: 'getJob',
  path: '/jobs/{id}',
  summary: "A job of the caller's",
  security: [{ [bearer.name]: [] }],
  request: { params: z.object({ id: jobId }) },
  responses: {
    200: json(Job, 'the job'),
    404: error("not_found (unknown id, or another user's job)"),
    503: error('storage_error: the job document is unreadable (truncated, corrupt) or the storage failed'),
    ...authHeaders,
  },
});

const PreviewCell = z.union([z.string(), z.number(), z.boolean(), z.null()]).openapi({
  description:
    'A cell as JSON carries it exactly. A column is one type: numbers when every value is a double ' +
    'without loss (else each value as its exact decimal text: BIGINT beyond 2^53, long DECIMAL), ' +
    'booleans, or strings (dates and timestamps ISO 8601, lists JSON text, binary base64); NaN and ' +
    '±Infinity are null, as the text formats write them. CSV and XML cells are text: numbers and ' +
    'booleans when every value of the column is one, else strings.',
});
const ResultPreview = registry.register(
  'ResultPreview',
  z
    .object({
      columns: z.array(z.string()).openapi({ description: 'the column names, in file order' }),
      rows: z
        .array(z.array(PreviewCell))
        .openapi({ description: 'the first rows, each with one cell per column' }),
    })
    .strict()
    .openapi({ description: 'the first `limit` rows of the result, whatever its format' }),
);

const resultFile = (description: string) => ({
  description,
  content: {
    'text/csv': { schema: z.string() },
    'application/json': {
      schema: z.union([
        z.array(z.record(z.string(), z.unknown())).openapi({ description: 'the rows the job wrote' }),
        ResultPreview,
      ]),
    },
    'application/x-ndjson': { schema: z.string() },
    'application/xml': { schema: z.string() },
    'application/vnd.apache.parquet': { schema: z.string().openapi({ format: 'binary' }) },
  },
});

registry.registerPath({
  method: 'get',
  operationId: 'getJobResult',
  path: '/jobs/{id}/result',
  summary: "The result file of a succeeded job of the caller's, or a preview of its first rows",
  description:
    'Without a query: the bytes of the result file, with the media type of its output format and an ' +
    'attachment `Content-Disposition`. A result over 6 MB once encoded (Lambda’s response limit; parquet ' +
    'goes base64-encoded through the gateway, 4 characters per 3 bytes) is 413: read it from the storage. ' +
    'With `?limit=N`: `application/json` `{"columns", "rows"}` (ResultPreview) with the first N rows, ' +
    'whatever the format, read through DuckDB without reading the rest of the file; 413 when even N rows ' +
    'are over 6 MB as JSON.',
  security: [{ [bearer.name]: [] }],
  request: {
    params: z.object({ id: jobId }),
    query: z.object({
      limit: z
        .number()
        .int()
        .min(1)
        .max(MAX_PREVIEW_ROWS)
        .optional()
        .openapi({ description: 'answer a JSON preview of the first `limit` rows instead of the file' }),
    }),
  },
  responses: {
    200: {
      ...resultFile(
        'the result file, in the job’s output format; with `limit`, application/json ResultPreview',
      ),
      headers: {
        'Content-Disposition': {
          description: '`attachment; filename="<name of the output file>"` (not on a preview)',
          schema: { type: 'string' },
        },
      },
    },
    400: error(
      `invalid_request: \`limit\` not an integer from 1 to ${MAX_PREVIEW_ROWS}, given twice, or another query parameter`,
    ),
    404: error("not_found (unknown id, or another user's job), or input_not_found (the result file is gone)"),
    409: error(
      'job_not_finished (queued or running; `details.status`), or job_failed (failed or cancelled; ' +
        '`details.error_code` is the job’s own error code)',
    ),
    413: error(
      'result_too_large: the file over 6 MB once encoded, or the preview of `limit` rows over 6 MB; the ' +
        'message and `details.path` name the storage path',
    ),
    422: error('parse_error: a preview of a result file no longer readable as its format'),
    503: error('storage_error: the job document or the result file is unreadable, or the storage failed'),
    ...authHeaders,
  },
});

registry.registerPath({
  method: 'delete',
  operationId: 'cancelJob',
  path: '/jobs/{id}',
  summary: 'Cancel a queued or running job',
  description:
    'A queued job is cancelled at once. A running job is cancelled too: its worker sees it within about a ' +
    'second, interrupts its query and removes any partial output. A job that ended (even in between) stays ended: 409.',
  security: [{ [bearer.name]: [] }],
  request: { params: z.object({ id: jobId }) },
  responses: {
    200: json(Job, 'cancelled'),
    404: error('not_found'),
    409: error('conflict: the job already ended'),
    503: error('storage_error: the job document is unreadable (truncated, corrupt) or the storage failed'),
    ...authHeaders,
  },
});

registry.registerPath({
  method: 'get',
  operationId: 'listJobs',
  path: '/jobs',
  summary: "The caller's jobs, newest first",
  security: [{ [bearer.name]: [] }],
  request: {
    query: z.object({
      status: z.enum(JOB_STATUSES).optional(),
      limit: z.number().int().min(1).max(100).optional().openapi({ description: 'default 20' }),
      cursor: z.string().optional().openapi({ description: '`next_cursor` of the previous page' }),
    }),
  },
  responses: { 200: json(JobPage, 'a page'), 400: error('invalid_request'), ...authHeaders },
});

const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
  openapi: '3.1.0',
  info: {
    title: 'dataframe-jobs',
    version: '0.1.0',
    description:
      'Runs group_by, non_null and stats on files of the shared storage, through a queue. See README.md. ' +
      'A path that matches no route never reaches the service: the HTTP API answers 404 itself ' +
      '(`{"message":"Not Found"}` on AWS; serverless-offline has its own body).',
    license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
  },
  servers: [{ url: 'http://127.0.0.1:3000', description: 'npm start' }],
  security: [{ [bearer.name]: [] }],
});

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'openapi.yaml');
const text = `# Generated by \`npm run openapi\` from the zod schemas; do not edit.\n${stringify(document, { aliasDuplicateObjects: false })}`;
if (process.argv.includes('--check')) {
  if ((await readFile(file, 'utf8').catch(() => '')) !== text) {
    console.error('docs/openapi.yaml is out of date: run npm run openapi');
    process.exit(1);
  }
} else {
  await writeFile(file, text);
}
