import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { makeHandlers as makeComputeHandlers } from '../../functions/compute.js';
import { makeHandlers } from '../../functions/result.js';
import { makeWorker } from '../../functions/worker.js';
import { transition } from '../../lib/jobs/job.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { contentDisposition, encodedSize, resultQuery } from '../../lib/service/result.js';
import type { OutputFormat } from '../../lib/types.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { testService, tokenFor } from './factories/service.js';
import { sqsEvent, sqsRecord } from './factories/sqs-event.js';

let deps: ServiceDeps;
let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ deps, root, cleanup } = await testService());
});
afterEach(() => cleanup());

async function submit(body: Record<string, unknown>, sub = 'alice'): Promise<string> {
  const event = apiEvent('POST /compute/stats', {
    headers: { authorization: `Bearer ${await tokenFor(sub)}` },
    body,
  });
  const res = await makeComputeHandlers(() => deps, 0).stats(event, lambdaContext());
  expect(res.statusCode).toBe(202);
  return (JSON.parse(res.body!) as { job_id: string }).job_id;
}

const runWorker = (id: string) =>
  makeWorker(() => deps)(sqsEvent(sqsRecord(JSON.stringify({ job_id: id }))), lambdaContext());

async function fetchResult(id: string, sub = 'alice', maxBytes?: number, rawQuery?: string) {
  const query = rawQuery === undefined ? undefined : Object.fromEntries(new URLSearchParams(rawQuery));
  const event = apiEvent('GET /jobs/{id}/result', {
    headers: { authorization: `Bearer ${await tokenFor(sub)}` },
    pathParameters: { id },
    ...(rawQuery !== undefined && { rawQuery, query }),
  });
  const res = await makeHandlers(() => deps, 0, maxBytes).getJobResult(event, lambdaContext());
  return {
    status: res.statusCode!,
    headers: res.headers ?? {},
    body: res.body ?? '',
    base64: res.isBase64Encoded,
  };
}

/** Submits a stats job writing `format`, runs it, and returns its id and result file's bytes. */
async function finishedJob(format: OutputFormat): Promise<{ id: string; file: Buffer; output: string }> {
  const id = await submit({ input: 'in/sales.csv', columns: ['amount'], output_format: format });
  await runWorker(id);
  const job = await deps.store.get(id);
  expect(job.status).toBe('succeeded');
  return { id, output: job.output, file: await readFile(path.join(root, job.output)) };
}

describe('GET /jobs/{id}/result', () => {
  test.each([
    ['csv', 'text/csv; charset=utf-8'],
    ['json', 'application/json; charset=utf-8'],
    ['ndjson', 'application/x-ndjson; charset=utf-8'],
    ['xml', 'application/xml; charset=utf-8'],
  ] as const)('sends a %s result as its text with the type %s, as an attachment', async (format, type) => {
    const { id, file, output } = await finishedJob(format);
    const res = await fetchResult(id);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${path.basename(output)}"`);
    expect(res.base64).toBe(false);
    expect(res.body).toBe(file.toString('utf8'));
    expect(res.body.length).toBeGreaterThan(0);
  });

  test('sends a parquet result base64-encoded, its decoded bytes the very file', async () => {
    const { id, file } = await finishedJob('parquet');
    const res = await fetchResult(id);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.apache.parquet');
    expect(res.base64).toBe(true);
    const bytes = Buffer.from(res.body, 'base64');
    expect(bytes.equals(file)).toBe(true);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
  });

  test("answers 404 for another user's job, as for an unknown one", async () => {
    const { id } = await finishedJob('csv');
    const res = await fetchResult(id, 'mallory');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error.code).toBe('not_found');
    expect(res.body).not.toContain('amount');
  });

  test('answers 409 job_not_finished while the job is queued or running', async () => {
    const id = await submit({ input: 'in/sales.csv', columns: ['amount'] });
    const queued = await fetchResult(id);
    expect(queued.status).toBe(409);
    expect(JSON.parse(queued.body).error).toMatchObject({
      code: 'job_not_finished',
      details: { status: 'queued' },
    });
    await deps.store.update(id, (job) => transition(job, 'running'));
    const running = await fetchResult(id);
    expect(JSON.parse(running.body).error).toMatchObject({
      code: 'job_not_finished',
      details: { status: 'running' },
    });
  });

  test('answers 409 job_failed carrying the code of the failure of a failed job', async () => {
    const id = await submit({ input: 'in/sales.csv', columns: ['amount'] });
    await deps.store.update(id, (job) => {
      transition(job, 'running');
      transition(job, 'failed');
      job.error = { code: 'resource_exhausted', message: 'out of memory' };
    });
    const job = await deps.store.get(id);
    const res = await fetchResult(id);
    expect(res.status).toBe(409);
    expect(JSON.parse(res.body).error).toMatchObject({
      code: 'job_failed',
      details: { status: 'failed', error_code: job.error!.code },
    });
  });

  test('answers 413 result_too_large naming the storage path when the encoded result is over the limit', async () => {
    const { id, file, output } = await finishedJob('parquet');
    // Over the limit only once base64 adds its third: the raw size would fit.
    const limit = file.length + 1;
    expect(encodedSize(file.length, true)).toBeGreaterThan(limit);
    const res = await fetchResult(id, 'alice', limit);
    expect(res.status).toBe(413);
    const { error } = JSON.parse(res.body);
    expect(error.code).toBe('result_too_large');
    expect(error.message).toContain(output);
    expect(error.details).toMatchObject({ path: output, limit });
    expect((await fetchResult(id, 'alice', encodedSize(file.length, true))).status).toBe(200);
  });

  test('names files with quotes or non-ASCII characters safely in Content-Disposition', () => {
    expect(contentDisposition('a"b\\c.csv')).toBe(
      `attachment; filename="a_b_c.csv"; filename*=UTF-8''a%22b%5Cc.csv`,
    );
    expect(contentDisposition('é.csv')).toBe(`attachment; filename="_.csv"; filename*=UTF-8''%C3%A9.csv`);
  });
});

describe('GET /jobs/{id}/result?limit=N', () => {
  const STATS_ROW = ['amount', 2, 1, 1.75, 0.125, 0.3535533905932738, 1.5, 2];

  test.each(['csv', 'json', 'ndjson', 'parquet', 'xml'] as const)(
    'answers a %s result with the same JSON table of its first rows, not the file',
    async (format) => {
      const { id } = await finishedJob(format);
      const res = await fetchResult(id, 'alice', undefined, 'limit=3');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.base64).toBeFalsy();
      expect(JSON.parse(res.body)).toEqual({
        columns: ['column', 'count', 'nulls', 'mean', 'variance', 'std', 'min', 'max'],
        rows: [STATS_ROW],
      });
    },
  );

  test.each([
    ['limit=0', 'limit must be an integer from 1 to 1000'],
    ['limit=1001', 'limit must be an integer from 1 to 1000'],
    ['limit=-1', 'limit must be an integer from 1 to 1000'],
    ['limit=2.5', 'limit must be an integer from 1 to 1000'],
    ['limit=1e2', 'limit must be an integer from 1 to 1000'],
    ['limit=abc', 'limit must be an integer from 1 to 1000'],
    ['limit=', 'limit must be an integer from 1 to 1000'],
    ['limit=3&limit=4', 'limit is given 2 times; give it once'],
    ['limit=3&offset=2', 'unknown query parameters: offset; allowed: limit'],
    ['format=csv', 'unknown query parameters: format; allowed: limit'],
  ])('refuses ?%s with 400 invalid_request: %s', async (query, message) => {
    const { id } = await finishedJob('csv');
    const res = await fetchResult(id, 'alice', undefined, query);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'invalid_request', message });
  });

  test('reads no query as the whole file, whether the parameters are absent or null (serverless-offline)', () => {
    expect(resultQuery('', null)).toEqual({});
    expect(resultQuery(undefined, undefined)).toEqual({});
    expect(resultQuery(undefined, { limit: '7' })).toEqual({ limit: 7 });
  });

  test('takes the bounds 1 and 1000 themselves', async () => {
    const { id } = await finishedJob('csv');
    expect((await fetchResult(id, 'alice', undefined, 'limit=1')).status).toBe(200);
    expect((await fetchResult(id, 'alice', undefined, 'limit=1000')).status).toBe(200);
  });

  test("answers 404 for another user's job and 409 for a job not finished, as the file does", async () => {
    const { id } = await finishedJob('parquet');
    const other = await fetchResult(id, 'mallory', undefined, 'limit=3');
    expect(other.status).toBe(404);
    expect(other.body).not.toContain('amount');
    const queued = await submit({ input: 'in/sales.csv', columns: ['amount'] });
    const res = await fetchResult(queued, 'alice', undefined, 'limit=3');
    expect(res.status).toBe(409);
    expect(JSON.parse(res.body).error.code).toBe('job_not_finished');
  });

  test('answers 413 result_too_large naming the storage path when the rows asked for do not fit', async () => {
    const { id, output } = await finishedJob('csv');
    const fits = await fetchResult(id, 'alice', undefined, 'limit=3');
    const size = Buffer.byteLength(fits.body);
    const res = await fetchResult(id, 'alice', size - 1, 'limit=3');
    expect(res.status).toBe(413);
    const { error } = JSON.parse(res.body);
    expect(error).toMatchObject({ code: 'result_too_large', details: { path: output, rows: 3 } });
    expect(error.message).toContain(output);
    expect((await fetchResult(id, 'alice', size, 'limit=3')).status).toBe(200);
  });
});
