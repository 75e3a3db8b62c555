import { jest } from '@jest/globals';
import { signToken } from '../../lib/auth/token.js';
import { createVerifier } from '../../lib/auth/verifier.js';
import { loadConfig } from '../../lib/config.js';
import { UnauthorizedError } from '../../lib/errors.js';

const SECRET = 'cache-test-secret-0123456789abcdef';
const { auth } = loadConfig({});
/** Verifies with `secret`; one verifier per secret value, as the memoised SSM read gives one per cold start. */
let current = SECRET;
const verifier = createVerifier(auth, async () => current);
const verifyToken = (token: string, secret: string) => {
  current = secret;
  return verifier.verify(token);
};
afterEach(() => jest.useRealTimers());

describe('verified tokens kept between requests', () => {
  test('still expire: a token verified once is refused after its exp', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-29T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const token = await signToken({ sub: 'alice', ttl: '60s' }, SECRET);
    expect(await verifyToken(token, SECRET)).toEqual({ sub: 'alice' });
    jest.setSystemTime(new Date('2026-11-29T10:00:30Z'));
    expect(await verifyToken(token, SECRET)).toEqual({ sub: 'alice' });
    // 60 s of clock skew (JWT_CLOCK_SKEW's default) past exp it is still accepted, not later.
    jest.setSystemTime(new Date('2026-11-29T10:01:50Z'));
    expect(await verifyToken(token, SECRET)).toEqual({ sub: 'alice' });
    jest.setSystemTime(new Date('2026-11-29T10:02:10Z'));
    await expect(verifyToken(token, SECRET)).rejects.toThrow('the access token has expired');
  });

  test('are not accepted under another secret', async () => {
    const token = await signToken({ sub: 'bob', ttl: '1h' }, SECRET);
    expect(await verifyToken(token, SECRET)).toEqual({ sub: 'bob' });
    await expect(verifyToken(token, `${SECRET}-rotated`)).rejects.toBeInstanceOf(UnauthorizedError);
    // Back to the first secret: verified again from scratch, and valid.
    expect(await verifyToken(token, SECRET)).toEqual({ sub: 'bob' });
  });

  test('do not vouch for a token differing by one character of its signature', async () => {
    const token = await signToken({ sub: 'carol', ttl: '1h' }, SECRET);
    await verifyToken(token, SECRET);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    await expect(verifyToken(forged, SECRET)).rejects.toThrow('the access token is invalid');
  });
});
