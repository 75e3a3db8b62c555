import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { DEV_JWT_SECRET, loadConfig } from '../../lib/config.js';
import { ERROR_CODES, TooManyRequestsError } from '../../lib/errors.js';
import { json, STATUS_OF } from '../../lib/http/status.js';
import { withHttp, type ApiHandler } from '../../lib/http/with-http.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { apiEvent, lambdaContext, type ApiEventOptions } from './factories/api-event.js';
import { testService, tokenFor } from './factories/service.js';

let deps: ServiceDeps;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ deps, cleanup } = await testService());
});
afterAll(() => cleanup());

const repo = path.resolve(import.meta.dirname, '../..');

async function call(handler: ApiHandler, options: ApiEventOptions = {}, token?: string) {
  const auth = token ?? (await tokenFor());
  const event = apiEvent('POST /compute/{operation}', {
    ...options,
    headers: { authorization: `Bearer ${auth}`, ...(options.headers ?? {}) },
  });
  const res = await withHttp(handler, () => deps, 0)(event, lambdaContext());
  return { status: res.statusCode!, headers: res.headers ?? {}, body: JSON.parse(res.body!) };
}

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const echo: ApiHandler = async (event) => json(200, { sub: event.principal.sub, body: event.body });

describe('error responses', () => {
  test('map every stable code to the documented status', () => {
    expect(STATUS_OF).toEqual({
      invalid_path: 400,
      invalid_request: 400,
      unauthorized: 401,
      cancelled: 409,
      resource_exhausted: 422,
      input_not_found: 404,
      not_found: 404,
      output_exists: 409,
      conflict: 409,
      payload_too_large: 413,
      unsupported_format: 415,
      unsupported_media_type: 415,
      idempotency_key_reused: 422,
      parse_error: 422,
      unknown_column: 422,
      non_numeric_column: 422,
      too_many_requests: 429,
      internal_error: 500,
      queue_unavailable: 503,
      storage_error: 503,
      worker_crashed: 500,
      job_not_finished: 409,
      job_failed: 409,
      result_too_large: 413,
    });
    expect(Object.keys(STATUS_OF).sort()).toEqual([...ERROR_CODES].sort());
  });

  test('hide an unexpected error behind a generic 500, and log it', async () => {
    const error = jest.fn();
    const saved = deps;
    deps = { ...deps, logger: { ...quiet, error } };
    try {
      const res = await call(async () => {
        throw new Error('ENOENT at /home/secret/path');
      });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        error: { code: 'internal_error', message: 'internal error; the failure was logged' },
      });
      expect(JSON.stringify(res.body)).not.toMatch(/secret|ENOENT|at /);
      expect(res.headers['Content-Type']).toMatch(/^application\/json/);
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      deps = saved;
    }
  });

  test('carry Retry-After with a 429', async () => {
    const res = await call(async () => {
      throw new TooManyRequestsError('busy', 7);
    });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body.error).toEqual({
      code: 'too_many_requests',
      message: 'busy',
      details: { retry_after: 7 },
    });
  });

  test('say Bearer without error when no token is sent, and invalid_token when a bad one is', async () => {
    const event = apiEvent('GET /health');
    const none = await withHttp(echo, () => deps, 0)(event, lambdaContext());
    expect(none.statusCode).toBe(401);
    expect(none.headers?.['www-authenticate']).toBe('Bearer');
    const bad = await call(echo, {}, 'a.b.c');
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(JSON.stringify(bad)).not.toContain('a.b.c');
  });
});

describe('access log', () => {
  test('writes one line per request with route, status, duration and user, never the token', async () => {
    const info = jest.fn();
    const saved = deps;
    deps = { ...deps, logger: { ...quiet, info } };
    const token = await tokenFor('dave');
    try {
      await call(echo, { body: { Authorization: token } }, token);
      await call(echo, {}, 'not-a-token');
    } finally {
      deps = saved;
    }
    const lines = info.mock.calls.filter(([message]) => message === 'request').map(([, fields]) => fields);
    expect(lines).toEqual([
      expect.objectContaining({ route: 'POST /compute/{operation}', status: 200, user: 'dave' }),
      expect.objectContaining({ route: 'POST /compute/{operation}', status: 401, user: undefined }),
    ]);
    expect((lines[0] as { duration_ms: number }).duration_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(info.mock.calls)).not.toContain(token.split('.')[2]!);
  });
});

describe('request bodies', () => {
  test('reach the handler parsed, without their Authorization field', async () => {
    const token = await tokenFor('carol');
    const event = apiEvent('POST /x', { body: { a: 1, Authorization: `Bearer ${token}` } });
    const res = await withHttp(echo, () => deps, 0)(event, lambdaContext());
    expect(JSON.parse(res.body!)).toEqual({ sub: 'carol', body: { a: 1 } });
  });

  test('must be JSON objects', async () => {
    for (const rawBody of ['[1,2]', '"text"', '{"a":']) {
      const res = await call(echo, { rawBody });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
  });

  test.each([
    ['the JSON string "x"', '"x"'],
    ['the JSON null', 'null'],
    ['a number', '0'],
    ["serverless-offline's unquoted string x", 'x'],
  ])('answer 400 "the body must be a JSON object" to %s', async (_what, rawBody) => {
    const res = await call(echo, { rawBody });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid_request', message: 'the body must be a JSON object' });
  });

  test.each([
    ['false', false],
    ['0', 0],
  ])(
    'answer 400, not 500, to the body %s handed over already parsed, as serverless-offline does',
    async (_what, value) => {
      const event = apiEvent('POST /x', { headers: { authorization: `Bearer ${await tokenFor()}` } });
      (event as unknown as { body: unknown }).body = value;
      const res = await withHttp(echo, () => deps, 0)(event, lambdaContext());
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body!).error.message).toBe('the body must be a JSON object');
    },
  );

  test('answer 400 "not valid JSON" to a broken object', async () => {
    const res = await call(echo, { rawBody: '{"a": ' });
    expect(res.body.error).toEqual({ code: 'invalid_request', message: 'the body is not valid JSON' });
  });

  test.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x']])(
    'sent as %s are refused with 415 unsupported_media_type, before anything else',
    async (type) => {
      const res = await call(echo, { rawBody: '{"a":1}', headers: { 'content-type': type } }, 'not-a-token');
      expect(res.status).toBe(415);
      expect(res.body.error).toMatchObject({
        code: 'unsupported_media_type',
        details: { accepted: ['application/json'] },
      });
      expect(res.body.error.message).toContain(type.split(';')[0]);
    },
  );

  test.each([['application/json; charset=utf-8'], ['Application/JSON'], ['application/merge-patch+json']])(
    'sent as %s are read as JSON',
    async (type) => {
      const res = await call(echo, { rawBody: '{"a":1}', headers: { 'content-type': type } });
      expect(res).toMatchObject({ status: 200, body: { body: { a: 1 } } });
    },
  );

  test('without a body need no Content-Type check: a GET with text/plain passes', async () => {
    const res = await call(echo, { headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
  });

  test('over 64 KiB are refused with 413 before parsing, base64-encoded ones too', async () => {
    const big = `{"a":"${'x'.repeat(70_000)}"}`;
    expect((await call(echo, { rawBody: big })).status).toBe(413);
    const event = apiEvent('POST /x', {
      headers: { authorization: `Bearer ${await tokenFor()}` },
      rawBody: Buffer.from(big).toString('base64'),
    });
    event.isBase64Encoded = true;
    const res = await withHttp(echo, () => deps, 0)(event, lambdaContext());
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body!).error).toMatchObject({ code: 'payload_too_large' });
  });
});

describe('configuration', () => {
  test('has defaults, including the development JWT secret', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      hdfsRoot: 'local-hdfs',
      jwtSecret: DEV_JWT_SECRET,
      region: 'us-east-1',
      maxQueuedJobs: 1000,
      maxReceiveCount: 3,
    });
    expect(config.sqsEndpoint).toBeUndefined();
  });

  test('reports the service version of package.json by default', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(loadConfig({}).version).toBe(pkg.version);
  });

  test('names the invalid variables', () => {
    expect(() => loadConfig({ MAX_QUEUED_JOBS: 'many', MAX_RECEIVE_COUNT: '0' })).toThrow(
      /MAX_QUEUED_JOBS, MAX_RECEIVE_COUNT/,
    );
  });
});

describe('npm run token', () => {
  test('prints only a valid token for the given subject and lifetime', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/token.ts', '--sub', 'bob', '--ttl', '5m'],
      { cwd: repo, env: { ...process.env, JWT_SECRET: 'script-secret' } },
    );
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const { payload, protectedHeader } = await jwtVerify(
      stdout.trim(),
      new TextEncoder().encode('script-secret'),
    );
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe('bob');
    expect(payload.exp! - payload.iat!).toBe(300);
  });
});
