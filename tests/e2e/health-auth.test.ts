/**
 * End to end: the health route, and every way a request can fail
 * authentication, on every route.
 */
import { makeToken, stackEnv, call, expectError, type ApiResponse } from './support/client.js';

const env = stackEnv();

/** Every route, with a body good enough to pass once authenticated. */
const ROUTES: readonly { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/health' },
  { method: 'POST', path: '/compute/stats', body: { input: 'e2e/sales.csv', columns: ['amount'] } },
  { method: 'GET', path: '/jobs' },
  { method: 'GET', path: '/jobs/0123456789abcdef' },
  { method: 'DELETE', path: '/jobs/0123456789abcdef' },
];

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Each bad credential, as the `Authorization` header value (undefined: no header). */
async function badCredentials(): Promise<[string, string | undefined][]> {
  const valid = await makeToken(env.secret);
  const [header, , signature] = valid.split('.');
  const forgedPayload = base64url({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 600 });
  return [
    ['no header', undefined],
    ['an empty header', ''],
    ['"Bearer" without a token', 'Bearer'],
    ['Basic credentials', 'Basic YWxpY2U6c2VjcmV0'],
    ['a malformed token', 'Bearer not.a.jwt'],
    ['a token signed with another secret', `Bearer ${await makeToken('another-secret-another-secret-xx')}`],
    [
      'an expired token',
      `Bearer ${await makeToken(env.secret, { exp: Math.floor(Date.now() / 1000) - 60 })}`,
    ],
    ['a token without sub', `Bearer ${await makeToken(env.secret, { sub: null })}`],
    ['a token without exp', `Bearer ${await makeToken(env.secret, { exp: null })}`],
    ['a token valid for ten years', `Bearer ${await makeToken(env.secret, { exp: '3650d' })}`],
    [
      'a token issued a year from now',
      `Bearer ${await makeToken(env.secret, { iat: Math.floor(Date.now() / 1000) + 365 * 86_400, exp: '1h' })}`,
    ],
    ['an HS512 token (alg is pinned to HS256)', `Bearer ${await makeToken(env.secret, { alg: 'HS512' })}`],
    ['an unsigned alg=none token', `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${forgedPayload}.`],
    ['a token whose payload was changed', `Bearer ${header}.${forgedPayload}.${signature}`],
  ];
}

function expectUnauthorized(res: ApiResponse): void {
  expectError(res, 401, 'unauthorized');
  expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Bearer\b/);
}

describe('GET /health', () => {
  test('answers 200 with the documented body when storage and queue work', async () => {
    const res = await call(env.url, 'GET', '/health', { token: await makeToken(env.secret) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      version: expect.any(String) as unknown,
      checks: { storage: 'ok', queue: 'ok' },
    });
  });

  test('answers 401 with WWW-Authenticate to a bad token, like every route', async () => {
    const bad = await makeToken('not-the-secret-not-the-secret-xx');
    expectUnauthorized(await call(env.url, 'GET', '/health', { token: bad }));
  });
});

describe('authentication', () => {
  test('refuses every bad credential on every route with 401, WWW-Authenticate and an error body', async () => {
    const credentials = await badCredentials();
    for (const route of ROUTES) {
      for (const [what, value] of credentials) {
        const headers: Record<string, string> = value === undefined ? {} : { authorization: value };
        const res = await call(env.url, route.method, route.path, { headers, body: route.body });
        try {
          expectUnauthorized(res);
        } catch (err) {
          throw new Error(`${route.method} ${route.path} with ${what}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        // The token is never echoed back.
        if (value && value.length > 20) expect(res.text).not.toContain(value.slice(7));
      }
    }
  });

  test('accepts a bare token in the header, without the Bearer prefix', async () => {
    const token = await makeToken(env.secret);
    const res = await call(env.url, 'GET', '/health', { headers: { authorization: token } });
    expect(res.status).toBe(200);
  });

  test('accepts the token in the JSON body field Authorization, with or without Bearer', async () => {
    const token = await makeToken(env.secret, { sub: 'body-user' });
    for (const value of [`Bearer ${token}`, token]) {
      const res = await call(env.url, 'POST', '/compute/stats', {
        body: { Authorization: value, input: 'e2e/sales.csv', columns: ['amount'] },
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ submitted_by: 'body-user', status: 'queued' });
    }
  });

  test('refuses a bad token given in the body', async () => {
    const bad = await makeToken('not-the-secret-not-the-secret-xx');
    const res = await call(env.url, 'POST', '/compute/stats', {
      body: { Authorization: `Bearer ${bad}`, input: 'e2e/sales.csv', columns: ['amount'] },
    });
    expectUnauthorized(res);
  });

  test('checks the token before the body, so a stranger learns nothing about paths', async () => {
    const res = await call(env.url, 'POST', '/compute/stats', {
      body: { input: '../../etc/passwd', columns: [] },
    });
    expectUnauthorized(res);
  });
});
