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
import { GroupByParamsSchema, NonNullParamsSchema, StatsParamsSchema } from '../lib/compute-request.js';
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
      error: JobError.nullable(),
    })
    .strict(),
);
const Accepted = registry.register(
  'Accepted',
  z
    .object({
      job_id: z.string(),
      status: z.literal('queued'),
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
const GroupByRequest = registry.register('GroupByRequest', GroupByParamsSchema);
const NonNullRequest = registry.register('NonNullRequest', NonNullParamsSchema);
const StatsRequest = registry.register('StatsRequest', StatsParamsSchema);

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

registry.registerPath({
  method: 'post',
  operationId: 'compute',
  path: '/compute/{operation}',
  summary: 'Queue a computation on a file of the storage',
  security: [{ [bearer.name]: [] }],
  request: {
    params: z.object({ operation: z.enum(['group_by', 'non_null', 'stats']) }),
    headers: z.object({
      Prefer: z.string().optional().openapi({
        description: 'RFC 7240 `wait=N` (N ≤ 25 s): answer 200 with the finished job if it ends in time',
      }),
      'Idempotency-Key': z
        .string()
        .max(255)
        .optional()
        .openapi({ description: 'the same key from the same user within 24 h returns the same job (200)' }),
    }),
    body: {
      content: {
        'application/json': {
          schema: z.union([GroupByRequest, NonNullRequest, StatsRequest]),
          examples: {
            group_by: {
              value: {
                input: 'in/sales.csv',
                columns: ['region'],
                aggregations: { amount: ['mean', 'sum'] },
              },
            },
            non_null: {
              value: { input: 'in/sales.json', columns: ['amount', 'region'], options: { how: 'any' } },
            },
            stats: { value: { input: 'in/sales.parquet', columns: ['amount'], output_format: 'csv' } },
          },
        },
      },
    },
  },
  responses: {
    200: json(Job, 'the finished job (`Prefer: wait`), or the job of a repeated `Idempotency-Key`'),
    202: {
      ...json(Accepted, 'queued'),
      headers: { Location: { description: '`/jobs/<id>`', schema: { type: 'string' } } },
    },
    400: error('invalid_request or invalid_path'),
    404: error('input_not_found, or not_found for an unknown operation'),
    409: error('output_exists'),
    413: error('payload_too_large (over 64 KiB)'),
    415: error('unsupported_format'),
    422: error('unknown_column (CSV, TSV, Parquet)'),
    429: {
      ...error('too_many_requests: over MAX_QUEUED_JOBS waiting jobs'),
      headers: { 'Retry-After': { description: 'seconds', schema: { type: 'string' } } },
    },
    503: error('queue_unavailable or storage_error'),
    ...authHeaders,
  },
});

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
    ...authHeaders,
  },
});

registry.registerPath({
  method: 'delete',
  operationId: 'cancelJob',
  path: '/jobs/{id}',
  summary: 'Cancel a queued job',
  security: [{ [bearer.name]: [] }],
  request: { params: z.object({ id: jobId }) },
  responses: {
    200: json(Job, 'cancelled'),
    404: error('not_found'),
    409: error('conflict: the job runs or ended'),
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
      limit: z.string().optional().openapi({ description: 'integer 1–100, default 20' }),
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
