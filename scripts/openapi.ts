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
import { MAX_PREVIEW_ROWS } from '../lib/engine/preview.js';
import { CURSOR_PATTERN, PAGE_SIZE } from '../lib/jobs/cursor.js';
import { JOB_STATUSES } from '../lib/jobs/job.js';
import { registerComputeRoutes } from './openapi-compute.js';
import {
  ErrorBody,
  errorResponses,
  HEADER_TOKEN,
  json,
  SECURITY_SCHEMES,
  withEveryAnswerHeader,
} from './openapi-parts.js';
import { Health, Job, JobPage } from './openapi-schemas.js';

const registry = new OpenAPIRegistry();
// Referenced by every error answer, some of them through a plain `$ref` the generator does not follow.
registry.register('Error', ErrorBody);
for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
  registry.registerComponent('securitySchemes', name, scheme);
}
const security = HEADER_TOKEN;
/** The error answers of a route that can only fail to authenticate (or fault). */
const authHeaders = errorResponses({});
const jobId = z.string().openapi({ param: { name: 'id', in: 'path' }, example: '00mx0sfwnt0e97da00d38b' });

registry.registerPath({
  method: 'get',
  operationId: 'health',
  path: '/health',
  summary: "The server's status",
  security,
  responses: {
    200: json(Health, 'storage writable and queue reachable'),
    503: json(Health, 'a check fails'),
    ...authHeaders,
  },
});

registerComputeRoutes(registry);

registry.registerPath({
  method: 'get',
  operationId: 'getJob',
  path: '/jobs/{id}',
  summary: "A job of the caller's",
  security,
  request: { params: z.object({ id: jobId }) },
  responses: {
    200: json(Job, 'the job'),
    ...errorResponses({
      not_found: "unknown id, or another user's job",
      storage_error: 'the job item is damaged (edited by hand) or the jobs table is unreachable',
    }),
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
  security,
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
    ...errorResponses({
      invalid_request: `\`limit\` not an integer from 1 to ${MAX_PREVIEW_ROWS}, given twice, or another query parameter`,
      not_found: "unknown id, or another user's job",
      input_not_found: 'the result file is gone',
      job_not_finished: 'queued or running; `details.status`',
      job_failed: 'failed or cancelled; `details.error_code` is the job’s own error code',
      result_too_large:
        'the file over 6 MB once encoded, or the preview of `limit` rows over 6 MB; the message and ' +
        '`details.path` name the storage path',
      parse_error: 'a preview of a result file no longer readable as its format',
      storage_error:
        'the job item is damaged, the jobs table is unreachable, or the result file is unreadable',
    }),
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
  security,
  request: { params: z.object({ id: jobId }) },
  responses: {
    200: json(Job, 'cancelled'),
    ...errorResponses({
      not_found: "unknown id, or another user's job",
      conflict: 'the job already ended',
      storage_error: 'the job item is damaged (edited by hand) or the jobs table is unreachable',
    }),
  },
});

registry.registerPath({
  method: 'get',
  operationId: 'listJobs',
  path: '/jobs',
  summary: "The caller's jobs, newest first",
  security,
  request: {
    query: z.object({
      status: z.enum(JOB_STATUSES).optional(),
      limit: z
        .number()
        .int()
        .min(1)
        .max(PAGE_SIZE.max)
        .optional()
        .openapi({ description: `jobs per page, 1 to ${PAGE_SIZE.max} (default ${PAGE_SIZE.default})` }),
      cursor: z
        .string()
        .regex(CURSOR_PATTERN)
        .optional()
        .openapi({ description: '`next_cursor` of the previous page' }),
    }),
  },
  responses: {
    200: json(JobPage, 'a page'),
    ...errorResponses({
      invalid_request:
        'an unknown query parameter, a `status` or `limit` out of its range, or a cursor this service did not give',
      storage_error: 'the jobs table is unreachable',
    }),
  },
});

const document = withEveryAnswerHeader(
  new OpenApiGeneratorV31(registry.definitions).generateDocument({
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
    security,
  }),
);

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
