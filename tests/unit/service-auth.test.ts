import { SignJWT, UnsecuredJWT } from 'jose';
import { makeHandler } from '../../functions/health.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { SECRET, testService, tokenFor } from './factories/service.js';

let deps: ServiceDeps;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ deps, cleanup } = await testService());
});
afterAll(() => cleanup());

const handler = (): ReturnType<typeof makeHandler> => makeHandler(() => deps, 0);
const health = (options: Parameters<typeof apiEvent>[1]) =>
  handler()(apiEvent('GET /health', options), lambdaContext());
const key = new TextEncoder().encode(SECRET);

async function expectUnauthorized(options: Parameters<typeof apiEvent>[1]): Promise<void> {
  const res = await health(options);
  expect(res.statusCode).toBe(401);
  expect(res.headers?.['www-authenticate']).toMatch(/^Bearer/);
  expect(JSON.parse(res.body!).error.code).toBe('unauthorized');
}

describe('authentication', () => {
  test('accepts a Bearer token in the header', async () => {
    const res = await health({ headers: { authorization: `Bearer ${await tokenFor()}` } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({
      status: 'ok',
      version: expect.any(String),
      checks: { storage: 'ok', queue: 'ok' },
    });
  });

  test('accepts a bare token, and a token in the body field Authorization', async () => {
    const token = await tokenFor();
    expect((await health({ headers: { authorization: token } })).statusCode).toBe(200);
    expect((await health({ body: { Authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });

  test('refuses a request without a token', async () => {
    await expectUnauthorized({});
  });

  test('refuses a malformed token, another scheme and garbage', async () => {
    await expectUnauthorized({ headers: { authorization: 'Bearer not.a.jwt' } });
    await expectUnauthorized({ headers: { authorization: `Basic ${await tokenFor()}` } });
    await expectUnauthorized({ headers: { authorization: 'Bearer a b c' } });
  });

  test('refuses a token signed with another secret', async () => {
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(new TextEncoder().encode('wrong'));
    await expectUnauthorized({ headers: { authorization: `Bearer ${forged}` } });
  });

  test('refuses alg none and another HMAC algorithm', async () => {
    const none = new UnsecuredJWT({ sub: 'alice' }).encode();
    await expectUnauthorized({ headers: { authorization: `Bearer ${none}` } });
    const hs384 = await new SignJWT({}).setProtectedHeader({ alg: 'HS384' }).setSubject('alice').sign(key);
    await expectUnauthorized({ headers: { authorization: `Bearer ${hs384}` } });
  });

  test('refuses an expired token and a token without sub', async () => {
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    await expectUnauthorized({ headers: { authorization: `Bearer ${expired}` } });
    const anonymous = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(key);
    await expectUnauthorized({ headers: { authorization: `Bearer ${anonymous}` } });
  });

  test('refuses an oversized token before verifying it', async () => {
    const huge = await new SignJWT({ pad: 'x'.repeat(10_000) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .sign(key);
    await expectUnauthorized({ headers: { authorization: `Bearer ${huge}` } });
  });

  test('refuses different tokens in the header and the body', async () => {
    await expectUnauthorized({
      headers: { authorization: `Bearer ${await tokenFor('alice')}` },
      body: { Authorization: await tokenFor('mallory') },
    });
  });

  test('answers 503 degraded naming the failing check when the queue is down', async () => {
    const queue = deps.queue as unknown as { down: boolean };
    queue.down = true;
    try {
      const res = await health({ headers: { authorization: `Bearer ${await tokenFor()}` } });
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(res.body!)).toMatchObject({
        status: 'degraded',
        checks: { storage: 'ok', queue: 'failing' },
      });
    } finally {
      queue.down = false;
    }
  });
});
