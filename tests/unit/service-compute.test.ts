import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { idempotencyItemKey, jobKey } from '../../lib/jobs/job-items.js';
import { makeHandlers as makeComputeHandlers } from '../../functions/compute.js';
import type { Operation } from '../../lib/compute-request.js';
import { makeHandlers } from '../../functions/jobs.js';
import { jest } from '@jest/globals';
import { createLogger } from '../../lib/log/logger.js';
import { requestFingerprint } from '../../lib/service/fingerprint.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import type { MemoryQueue } from './factories/service.js';
import { testService, tokenFor } from './factories/service.js';

let deps: ServiceDeps;
let queue: MemoryQueue;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ deps, queue, cleanup } = await testService());
});
afterEach(() => cleanup());

async function submit(
  operation: Operation,
  body: unknown,
  headers: Record<string, string> = {},
  sub = 'alice',
) {
  const event = apiEvent(`POST /compute/${operation}`, {
    headers: { authorization: `Bearer ${await tokenFor(sub)}`, ...headers },
    body,
  });
  const res = await makeComputeHandlers(() => deps, 0)[operation](event, lambdaContext());
  return { status: res.statusCode!, headers: res.headers ?? {}, body: JSON.parse(res.body!) };
}

async function jobRoute(
  route: 'getJob' | 'cancelJob' | 'listJobs',
  sub: string,
  id?: string,
  query?: Record<string, string>,
) {
  const key =
    route === 'listJobs' ? 'GET /jobs' : route === 'getJob' ? 'GET /jobs/{id}' : 'DELETE /jobs/{id}';
  const event = apiEvent(key, {
    headers: { authorization: `Bearer ${await tokenFor(sub)}` },
    ...(id && { pathParameters: { id } }),
    ...(query && { query }),
  });
  const res = await makeHandlers(() => deps, 0)[route](event, lambdaContext());
  return { status: res.statusCode!, body: JSON.parse(res.body!) };
}

describe('POST /compute/<operation>', () => {
  test('queues a valid request and answers 202 with Location and the job', async () => {
    const res = await submit('stats', { input: 'in/sales.csv', columns: ['amount'] });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/jobs/${res.body.job_id}`);
    expect(res.body).toMatchObject({
      status: 'queued',
      operation: 'stats',
      input: 'in/sales.csv',
      output: `results/${res.body.job_id}.csv`,
      output_format: 'csv',
      submitted_by: 'alice',
      links: { self: `/jobs/${res.body.job_id}` },
    });
    expect(queue.sent).toEqual([res.body.job_id]);
  });

  test.each([
    ['group_by', { input: 'in/sales.csv', columns: ['region'], aggregations: { amount: ['sum'] } }],
    ['non_null', { input: 'in/sales.csv', columns: ['amount'], options: { how: 'any' } }],
    ['stats', { input: 'in/sales.csv', columns: ['amount'], options: { ddof: 0 } }],
  ] as const)('the %s handler queues a job of its own operation', async (operation, body) => {
    const res = await submit(operation, body);
    expect(res.status).toBe(202);
    expect(res.body.operation).toBe(operation);
    expect((await deps.store.get(res.body.job_id)).request.operation).toBe(operation);
  });

  test.each([
    [
      'group_by',
      { input: 'in/sales.csv', columns: ['amount'], options: { how: 'any' } },
      '"how" (non_null only)',
    ],
    ['non_null', { input: 'in/sales.csv', columns: ['amount'], options: { ddof: 0 } }, '"ddof"'],
    [
      'stats',
      { input: 'in/sales.csv', columns: ['amount'], aggregations: {} },
      '"aggregations" (group_by only)',
    ],
  ] as const)(
    "the %s handler refuses another operation's field with its own schema",
    async (operation, body, named) => {
      const res = await submit(operation, body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(`invalid ${operation} request`);
      expect(res.body.error.message).toContain(named);
      expect(queue.sent).toEqual([]);
    },
  );

  test.each([
    [
      'an unknown field',
      { input: 'in/sales.csv', columns: ['amount'], colour: 'red' },
      400,
      'invalid_request',
    ],
    ['a wrong type', { input: 'in/sales.csv', columns: 'amount' }, 400, 'invalid_request'],
    ['repeated columns', { input: 'in/sales.csv', columns: ['amount', 'amount'] }, 400, 'invalid_request'],
    ['a path leaving the storage', { input: '../../etc/passwd.csv', columns: ['a'] }, 400, 'invalid_path'],
    ['an absolute path', { input: '/etc/passwd.csv', columns: ['a'] }, 400, 'invalid_path'],
    ['a missing input', { input: 'in/nope.csv', columns: ['a'] }, 404, 'input_not_found'],
    [
      'an unknown format',
      { input: 'in/sales.csv', columns: ['amount'], format: 'xlsx' },
      400,
      'invalid_request',
    ],
    ['an unknown CSV column', { input: 'in/sales.csv', columns: ['price'] }, 422, 'unknown_column'],
    [
      'a taken output',
      { input: 'in/sales.csv', columns: ['amount'], output: 'in/sales.csv' },
      409,
      'output_exists',
    ],
    [
      'an option of another format',
      { input: 'in/sales.csv', columns: ['amount'], options: { record_tag: 'r' } },
      400,
      'invalid_request',
    ],
    [
      'an option of another operation',
      { input: 'in/sales.csv', columns: ['amount'], options: { how: 'any' } },
      400,
      'invalid_request',
    ],
    [
      'aggregations, which are group_by only',
      { input: 'in/sales.csv', columns: ['amount'], aggregations: { amount: ['sum'] } },
      400,
      'invalid_request',
    ],
  ])('refuses %s before queuing', async (_what, body, status, code) => {
    const res = await submit('stats', body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(queue.sent).toEqual([]);
  });

  test('lists the allowed fields when a field is unknown', async () => {
    const res = await submit('non_null', { input: 'in/sales.csv', columns: ['amount'], aggregations: {} });
    expect(res.body.error.details.allowed_fields).toEqual([
      'input',
      'columns',
      'format',
      'output_format',
      'output',
      'options',
    ]);
  });

  test('answers 400 listing every misplaced option, whatever the input holds', async () => {
    // The options are judged from the request alone: the JSON input is never opened.
    const res = await submit('stats', {
      input: 'in/people.json',
      columns: ['name'],
      options: { delimiter: ';', how: 'any' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details.issues).toEqual([
      { path: 'options', message: 'Unrecognized key: "how" (non_null only)' },
      { path: 'options.delimiter', message: 'applies to CSV/TSV inputs only; this input is JSON' },
    ]);
    expect(queue.sent).toEqual([]);
  });

  test('answers 400 "the body must be a JSON object" to a request without a body', async () => {
    const event = apiEvent('POST /compute/stats', {
      headers: { authorization: `Bearer ${await tokenFor()}` },
    });
    const res = await makeComputeHandlers(() => deps, 0).stats(event, lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).error.message).toBe('the body must be a JSON object');
  });

  test('answers 413 to a body over 64 KiB and 400 to malformed JSON', async () => {
    const big = await submit('stats', { input: 'in/sales.csv', columns: ['x'.repeat(70_000)] });
    expect(big.status).toBe(413);
    const event = apiEvent('POST /compute/stats', {
      headers: { authorization: `Bearer ${await tokenFor()}` },
      rawBody: '{"input": ',
    });
    const res = await makeComputeHandlers(() => deps, 0).stats(event, lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).error.code).toBe('invalid_request');
  });

  test('answers 429 with Retry-After when too many jobs wait', async () => {
    queue.waiting = 3;
    const res = await submit('stats', { input: 'in/sales.csv', columns: ['amount'] });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('5');
  });

  test('answers 503 with Retry-After when the queue is down, leaving no queued job behind', async () => {
    queue.down = true;
    const res = await submit('stats', { input: 'in/sales.csv', columns: ['amount'] });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('queue_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    queue.down = false;
    expect((await jobRoute('listJobs', 'alice')).body.jobs).toEqual([]);
  });

  test('answers a repeated Idempotency-Key of the same user only as the first time, marked replayed', async () => {
    const body = { input: 'in/sales.csv', columns: ['amount'] };
    const first = await submit('stats', body, { 'idempotency-key': 'k-1' });
    const again = await submit(
      'stats',
      { columns: ['amount'], input: 'in/sales.csv' },
      { 'idempotency-key': 'k-1' },
    );
    const other = await submit('stats', body, { 'idempotency-key': 'k-1' }, 'bob');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again).toMatchObject({ status: 202, body: first.body });
    expect(again.headers).toMatchObject({ location: first.headers.location, 'idempotent-replayed': 'true' });
    expect(other.status).toBe(202);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(queue.sent).toHaveLength(2);
  });

  test("a replay shows the job's current state", async () => {
    const body = { input: 'in/sales.csv', columns: ['amount'] };
    const first = await submit('stats', body, { 'idempotency-key': 'k-now' });
    await deps.store.update(first.body.job_id, (job) => {
      job.status = 'cancelled';
    });
    const again = await submit('stats', body, { 'idempotency-key': 'k-now' });
    expect(again).toMatchObject({ status: 202, body: { job_id: first.body.job_id, status: 'cancelled' } });
  });

  test.each([
    ['another body', 'stats', { input: 'in/sales.csv', columns: ['region'] }],
    ['another operation', 'non_null', { input: 'in/sales.csv', columns: ['amount'] }],
  ] as const)(
    'answers 422 idempotency_key_reused to the same key with %s',
    async (_what, operation, body) => {
      const first = await submit(
        'stats',
        { input: 'in/sales.csv', columns: ['amount'] },
        { 'idempotency-key': 'k-2' },
      );
      const reused = await submit(operation, body, { 'idempotency-key': 'k-2' });
      expect(reused.status).toBe(422);
      expect(reused.body.error).toMatchObject({
        code: 'idempotency_key_reused',
        details: { job_id: first.body.job_id },
      });
      expect(queue.sent).toHaveLength(1);
    },
  );

  test('keeps the fingerprint of the request with the key, not the body itself', async () => {
    await submit('stats', { input: 'in/sales.csv', columns: ['amount'] }, { 'idempotency-key': 'k-3' });
    const { Item: entry } = await deps.store.table.client.send(
      new GetCommand({ TableName: deps.store.table.name, Key: idempotencyItemKey('alice', 'k-3') }),
    );
    expect(entry?.fingerprint).toBe(
      requestFingerprint('stats', { columns: ['amount'], input: 'in/sales.csv' }),
    );
    expect(entry?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(entry)).not.toContain('sales.csv');
  });

  test('logs the job with its user and operation, and never the token', async () => {
    const token = await tokenFor();
    deps = { ...deps, logger: createLogger('INFO') };
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await submit('stats', { input: 'in/sales.csv', columns: ['amount'], Authorization: token });
    } finally {
      spy.mockRestore();
    }
    const logged = lines.join('');
    expect(logged).toContain('"job queued"');
    expect(logged).toContain('"user":"alice"');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.split('.')[2]!);
  });

  test('never stores the body Authorization field in the job', async () => {
    const token = await tokenFor();
    const res = await submit('stats', { input: 'in/sales.csv', columns: ['amount'], Authorization: token });
    expect(res.status).toBe(202);
    const { Item } = await deps.store.table.client.send(
      new GetCommand({ TableName: deps.store.table.name, Key: jobKey(res.body.job_id) }),
    );
    expect(Item?.job_id).toBe(res.body.job_id);
    expect(JSON.stringify(Item)).not.toContain(token);
  });
});

describe('job routes', () => {
  test("show a job to its submitter only: another user's job is 404 like an unknown id", async () => {
    const { body } = await submit('stats', { input: 'in/sales.csv', columns: ['amount'] });
    expect((await jobRoute('getJob', 'alice', body.job_id)).status).toBe(200);
    const stranger = await jobRoute('getJob', 'mallory', body.job_id);
    const unknown = await jobRoute('getJob', 'mallory', '00000000000000000000ff');
    expect(stranger.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect((await jobRoute('cancelJob', 'mallory', body.job_id)).status).toBe(404);
  });

  test('cancel a queued job, then answer 409 to a second cancel', async () => {
    const { body } = await submit('stats', { input: 'in/sales.csv', columns: ['amount'] });
    const cancelled = await jobRoute('cancelJob', 'alice', body.job_id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await jobRoute('cancelJob', 'alice', body.job_id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  test('list the caller’s jobs newest first, page by page, filtered by status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await submit('stats', { input: 'in/sales.csv', columns: ['amount'] })).body.job_id);
    await submit('stats', { input: 'in/sales.csv', columns: ['amount'] }, {}, 'bob');
    const first = await jobRoute('listJobs', 'alice', undefined, { limit: '2' });
    expect(first.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([ids[2], ids[1]]);
    const second = await jobRoute('listJobs', 'alice', undefined, {
      limit: '2',
      cursor: first.body.next_cursor,
    });
    expect(second.body).toEqual({ jobs: [expect.objectContaining({ job_id: ids[0] })], next_cursor: null });
    expect((await jobRoute('listJobs', 'alice', undefined, { status: 'succeeded' })).body.jobs).toEqual([]);
    expect((await jobRoute('listJobs', 'alice', undefined, { limit: '0' })).status).toBe(400);
  });
});
