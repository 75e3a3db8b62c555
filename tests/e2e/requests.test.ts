/**
 * End to end: strict request validation, the checks made before queuing,
 * and path traversal in every form, through the real HTTP API.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { call, expectError, makeToken, stackEnv, waitForJob, type Job } from './support/client.js';
import { ESCAPING_DIR_LINK, ESCAPING_FILE_LINK, UNKNOWN_FORMAT_FILE } from './support/storage-layout.js';

const env = stackEnv();
let token: string;

beforeAll(async () => {
  token = await makeToken(env.secret, { sub: 'validator' });
});

const compute = (operation: string, body: unknown, headers?: Record<string, string>) =>
  call(env.url, 'POST', `/compute/${operation}`, { token, body, ...(headers ? { headers } : {}) });

describe('request bodies', () => {
  test("answers an unknown operation with the HTTP API's own 404: no function serves it", async () => {
    const res = await compute('pivot', { input: 'e2e/sales.csv', columns: ['amount'] });
    expect(res.status).toBe(404);
    // The gateway's body (serverless-offline's here, {"message":"Not Found"} on AWS), never the service's.
    expect((res.body as { error?: { code?: string } } | undefined)?.error?.code).toBeUndefined();
  });

  test.each([
    ['an unknown field', { input: 'e2e/sales.csv', columns: ['amount'], colour: 'red' }],
    [
      'aggregations on stats',
      { input: 'e2e/sales.csv', columns: ['amount'], aggregations: { qty: ['sum'] } },
    ],
    ['columns as a string', { input: 'e2e/sales.csv', columns: 'amount' }],
    ['an empty column list', { input: 'e2e/sales.csv', columns: [] }],
    ['duplicate columns', { input: 'e2e/sales.csv', columns: ['amount', 'amount'] }],
    ['no input', { columns: ['amount'] }],
    ['a numeric input', { input: 42, columns: ['amount'] }],
    ['an unknown output format', { input: 'e2e/sales.csv', columns: ['amount'], output_format: 'xlsx' }],
    ['an unknown option', { input: 'e2e/sales.csv', columns: ['amount'], options: { verbose: true } }],
    ['an array body', [{ input: 'e2e/sales.csv', columns: ['amount'] }]],
  ])('answers 400 invalid_request to %s', async (_what, body) => {
    expectError(await compute('stats', body), 400, 'invalid_request');
  });

  test('answers 400 to an unknown aggregation of group_by', async () => {
    const res = await compute('group_by', {
      input: 'e2e/sales.csv',
      columns: ['region'],
      aggregations: { amount: ['average'] },
    });
    expectError(res, 400, 'invalid_request');
  });

  test('answers 400 to a body that is not JSON', async () => {
    expectError(await compute('stats', '{"input": "e2e/sales.csv",'), 400, 'invalid_request');
  });

  test.each([['false'], ['true'], ['0'], ['"x"'], ['null']])(
    'answers 400 "the body must be a JSON object" to the body %s',
    async (body) => {
      const res = await compute('stats', body);
      expectError(res, 400, 'invalid_request');
      expect((res.body as { error: { message: string } }).error.message).toBe(
        'the body must be a JSON object',
      );
    },
  );

  test.each([['text/plain'], ['application/x-www-form-urlencoded']])(
    'answers 415 unsupported_media_type to a body sent as %s',
    async (type) => {
      const res = await compute('stats', '{"input":"e2e/sales.csv","columns":["amount"]}', {
        'content-type': type,
      });
      expectError(res, 415, 'unsupported_media_type');
    },
  );

  test('answers 413 to a body over 64 KiB', async () => {
    const res = await compute('stats', {
      input: 'e2e/sales.csv',
      columns: ['amount'],
      pad: 'x'.repeat(70_000),
    });
    expect(res.status).toBe(413);
    expect(Object.keys(res.body as object)).toEqual(['error']);
  });
});

describe('checks before queuing', () => {
  test('answers 404 input_not_found for a missing input', async () => {
    expectError(
      await compute('stats', { input: 'e2e/nope.csv', columns: ['amount'] }),
      404,
      'input_not_found',
    );
  });

  test('answers 415 unsupported_format for an unknown extension', async () => {
    expectError(
      await compute('stats', { input: UNKNOWN_FORMAT_FILE, columns: ['amount'] }),
      415,
      'unsupported_format',
    );
  });

  test('answers 409 output_exists when the output path is taken', async () => {
    const res = await compute('stats', {
      input: 'e2e/sales.csv',
      columns: ['amount'],
      output: 'e2e/sales.json',
    });
    expectError(res, 409, 'output_exists');
  });

  test.each(['csv', 'parquet'])(
    'answers 422 unknown_column for a %s input, listing the columns',
    async (format) => {
      const res = await compute('stats', { input: `e2e/sales.${format}`, columns: ['amount', 'price'] });
      expectError(res, 422, 'unknown_column');
      expect(res.text).toContain('price');
      expect(res.text).toContain('region');
    },
  );

  test('reports an unknown column of a JSON input as a failed job', async () => {
    const res = await compute('stats', { input: 'e2e/sales.json', columns: ['price'] });
    expect(res.status).toBe(202);
    const job = await waitForJob(env.url, token, (res.body as Job).job_id);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'unknown_column' } });
  });
});

describe('path traversal', () => {
  test.each([
    ['a parent segment', '../outside/secret.csv'],
    ['a parent segment in the middle', 'e2e/../../outside/secret.csv'],
    ['an absolute path', '/etc/passwd'],
    ['an absolute path to the storage itself', '__ROOT__/e2e/sales.csv'],
    ['a symlink to a file outside', ESCAPING_FILE_LINK],
    ['a file under a symlinked folder outside', `${ESCAPING_DIR_LINK}/secret.csv`],
    ['the job store', '.jobs/anything.json'],
    ['a NUL byte', 'e2e/sales.csv\u0000.json'],
    ['a backslash path', '..\\outside\\secret.csv'],
  ])('refuses %s as input with 400 invalid_path', async (_what, input) => {
    const res = await compute('stats', { input: input.replace('__ROOT__', env.root), columns: ['secret'] });
    expectError(res, 400, 'invalid_path');
    expect(res.text).not.toContain(env.base);
  });

  test('treats %2e%2e as a plain name, never decoding it into ..', async () => {
    const res = await compute('stats', { input: '%2e%2e/outside/secret.csv', columns: ['secret'] });
    expectError(res, 404, 'input_not_found');
  });

  test.each([
    ['a parent segment', '../escaped.csv'],
    ['an absolute path', '/tmp/escaped.csv'],
    ['the job store', '.jobs/forged.json'],
  ])('refuses %s as output with 400 invalid_path', async (_what, output) => {
    const res = await compute('stats', { input: 'e2e/sales.csv', columns: ['amount'], output });
    expectError(res, 400, 'invalid_path');
  });

  test('never writes through a symlinked folder leading outside', async () => {
    const output = `${ESCAPING_DIR_LINK}/written.csv`;
    const res = await compute('stats', { input: 'e2e/sales.csv', columns: ['amount'], output });
    if (res.status === 202) {
      // Accepted lexically: the worker must then refuse it when it resolves the folder.
      const job = await waitForJob(env.url, token, (res.body as Job).job_id);
      expect(job).toMatchObject({ status: 'failed', error: { code: 'invalid_path' } });
    } else {
      expectError(res, 400, 'invalid_path');
    }
    await expect(access(path.join(env.base, 'outside', 'written.csv'))).rejects.toThrow();
  });

  test.each(['/jobs/..%2F..%2Fetc%2Fpasswd', '/jobs/%2e%2e', '/jobs/..%2f.jobs'])(
    'answers %s with an error, never a file',
    async (route) => {
      const res = await call(env.url, 'GET', route, { token });
      expect([400, 404]).toContain(res.status);
      expect(res.text).not.toContain('root:');
    },
  );
});
