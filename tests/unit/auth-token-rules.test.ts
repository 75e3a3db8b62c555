/**
 * The claim rules of access tokens (issue 12, item 11): `exp` required, the
 * lifetime capped by JWT_MAX_TTL, no `iat` in the future, JWT_CLOCK_SKEW on
 * exp/nbf/iat, JWT_ISSUER and JWT_AUDIENCE when set. Each rule is shown
 * refusing a token and accepting the same token once it complies, so that a
 * refusal cannot come from anything else.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { makeHandler } from '../../functions/health.js';
import { serviceHooks } from '../../scripts/start-hooks.js';
import { issueToken } from '../../lib/auth/token.js';
import { createVerifier, type TokenVerifier } from '../../lib/auth/verifier.js';
import { loadConfig } from '../../lib/config.js';
import { UnauthorizedError } from '../../lib/errors.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { testService } from './factories/service.js';

const SECRET = 'rules-test-secret-0123456789abcdef';
const HOUR = 3600;
const DAY = 24 * HOUR;
const now = (): number => Math.floor(Date.now() / 1000);

/** Signs exactly `claims` (no iat or exp added) with the test secret. */
const sign = (claims: JWTPayload): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(SECRET));

/** A verifier of the configuration `env` gives. */
const verifierOf = (env: Record<string, string> = {}): TokenVerifier =>
  createVerifier(loadConfig({ JWT_SECRET: SECRET, ...env }).auth, async () => SECRET);

/** 'accepted', or the refusal's message. */
async function outcome(verifier: TokenVerifier, claims: JWTPayload): Promise<string> {
  try {
    await verifier.verify(await sign(claims));
    return 'accepted';
  } catch (err) {
    if (err instanceof UnauthorizedError) return err.message;
    throw err;
  }
}

const defaults = verifierOf();

describe('exp is required', () => {
  test('a token without exp is refused; with an exp it is accepted', async () => {
    expect(await outcome(defaults, { sub: 'alice', iat: now() })).toBe('the access token has no exp claim');
    expect(await outcome(defaults, { sub: 'alice', iat: now(), exp: now() + 600 })).toBe('accepted');
  });
});

describe('the lifetime is capped by JWT_MAX_TTL (24 h by default)', () => {
  test('an exp ten years ahead is refused, with or without iat; 24 h is accepted', async () => {
    const tooLong = 'the access token lives longer than 86400 s';
    const tenYears = now() + 10 * 365 * DAY;
    expect(await outcome(defaults, { sub: 'a', iat: now(), exp: tenYears })).toBe(tooLong);
    expect(await outcome(defaults, { sub: 'a', exp: tenYears })).toBe(tooLong);
    expect(await outcome(defaults, { sub: 'a', iat: now(), exp: now() + DAY })).toBe('accepted');
    expect(await outcome(defaults, { sub: 'a', exp: now() + DAY })).toBe('accepted');
  });

  test('exp - iat counts even when exp is near: a 25 h token ending in 10 minutes is refused', async () => {
    expect(await outcome(defaults, { sub: 'a', iat: now() - 25 * HOUR + 600, exp: now() + 600 })).toMatch(
      /lives longer/,
    );
    expect(await outcome(defaults, { sub: 'a', iat: now() - 23 * HOUR, exp: now() + 600 })).toBe('accepted');
  });

  test('without iat, exp - now may exceed the cap by the clock skew only', async () => {
    expect(await outcome(defaults, { sub: 'a', exp: now() + DAY + 30 })).toBe('accepted');
    expect(await outcome(defaults, { sub: 'a', exp: now() + DAY + 120 })).toMatch(/lives longer/);
  });

  test('JWT_MAX_TTL sets the cap, in seconds or with a unit', async () => {
    for (const value of ['1h', '3600', '60m']) {
      const hour = verifierOf({ JWT_MAX_TTL: value });
      expect(await outcome(hour, { sub: 'a', iat: now(), exp: now() + 2 * HOUR })).toBe(
        'the access token lives longer than 3600 s',
      );
      expect(await outcome(hour, { sub: 'a', iat: now(), exp: now() + HOUR })).toBe('accepted');
    }
  });
});

describe('iat may not be in the future', () => {
  test('an iat a year ahead is refused; one within the clock skew is accepted', async () => {
    const issued = (iat: number) => outcome(defaults, { sub: 'a', iat, exp: iat + HOUR });
    expect(await issued(now() + 365 * DAY)).toBe('the access token was issued in the future (iat)');
    expect(await issued(now() + 120)).toBe('the access token was issued in the future (iat)');
    expect(await issued(now() + 30)).toBe('accepted');
  });
});

describe('JWT_CLOCK_SKEW (60 s by default) applies to exp, nbf and iat', () => {
  test('exp 30 s ago is accepted, 90 s ago refused', async () => {
    expect(await outcome(defaults, { sub: 'a', iat: now() - 600, exp: now() - 30 })).toBe('accepted');
    expect(await outcome(defaults, { sub: 'a', iat: now() - 600, exp: now() - 90 })).toBe(
      'the access token has expired',
    );
  });

  test('nbf 30 s ahead is accepted, 90 s ahead refused', async () => {
    const claims = { sub: 'a', iat: now(), exp: now() + 600 };
    expect(await outcome(defaults, { ...claims, nbf: now() + 30 })).toBe('accepted');
    expect(await outcome(defaults, { ...claims, nbf: now() + 90 })).toBe('the access token is not valid yet');
  });

  test('JWT_CLOCK_SKEW=0 tolerates nothing; 5m tolerates five minutes', async () => {
    const strict = verifierOf({ JWT_CLOCK_SKEW: '0' });
    expect(await outcome(strict, { sub: 'a', iat: now() - 600, exp: now() - 2 })).toBe(
      'the access token has expired',
    );
    expect(await outcome(strict, { sub: 'a', iat: now() + 5, exp: now() + 600 })).toMatch(
      /issued in the future/,
    );
    const lenient = verifierOf({ JWT_CLOCK_SKEW: '5m' });
    expect(await outcome(lenient, { sub: 'a', iat: now() - 600, exp: now() - 240 })).toBe('accepted');
    expect(await outcome(lenient, { sub: 'a', iat: now() + 240, exp: now() + 600 })).toBe('accepted');
  });
});

describe('issuer and audience', () => {
  const valid = (): JWTPayload => ({ sub: 'a', iat: now(), exp: now() + 600 });

  test('are not checked when JWT_ISSUER and JWT_AUDIENCE are unset', async () => {
    expect(await outcome(defaults, { ...valid(), iss: 'anyone', aud: 'anything' })).toBe('accepted');
  });

  test('JWT_ISSUER refuses a token without iss or from another issuer, and accepts its own', async () => {
    const v = verifierOf({ JWT_ISSUER: 'https://sso.example.com' });
    const refused = 'the access token was not issued by the accepted issuer';
    expect(await outcome(v, valid())).toBe(refused);
    expect(await outcome(v, { ...valid(), iss: 'https://evil.example.com' })).toBe(refused);
    expect(await outcome(v, { ...valid(), iss: 'https://sso.example.com' })).toBe('accepted');
  });

  test('JWT_AUDIENCE refuses a token without aud or for another service, and accepts one naming it', async () => {
    const v = verifierOf({ JWT_AUDIENCE: 'dataframe-jobs' });
    const refused = 'the access token is not meant for this service (aud)';
    expect(await outcome(v, valid())).toBe(refused);
    expect(await outcome(v, { ...valid(), aud: 'payroll' })).toBe(refused);
    expect(await outcome(v, { ...valid(), aud: 'dataframe-jobs' })).toBe('accepted');
    expect(await outcome(v, { ...valid(), aud: ['payroll', 'dataframe-jobs'] })).toBe('accepted');
  });
});

describe('configuration of the rules', () => {
  test('defaults: 24 h lifetime, 60 s skew, no issuer, audience or public key', () => {
    expect(loadConfig({}).auth).toEqual({
      maxTtlSeconds: DAY,
      clockSkewSeconds: 60,
      issuer: undefined,
      audience: undefined,
      publicKey: undefined,
      jwksUrl: undefined,
    });
  });

  test('names a duration it cannot read, or a skew over 10 minutes', () => {
    expect(() => loadConfig({ JWT_MAX_TTL: 'forever' })).toThrow(/JWT_MAX_TTL/);
    expect(() => loadConfig({ JWT_MAX_TTL: '0' })).toThrow(/JWT_MAX_TTL/);
    expect(() => loadConfig({ JWT_CLOCK_SKEW: '1h' })).toThrow(/JWT_CLOCK_SKEW/);
  });

  test('a deployed function requires JWT_ISSUER and JWT_AUDIENCE', () => {
    const cloud = { AWS_LAMBDA_FUNCTION_NAME: 'dataframe-jobs-prod-health', JWT_SECRET_PARAM: '/p' };
    expect(() => loadConfig(cloud)).toThrow(/JWT_ISSUER and JWT_AUDIENCE are required/);
    expect(() => loadConfig({ ...cloud, JWT_ISSUER: 'https://sso' })).toThrow(/JWT_AUDIENCE/);
    expect(loadConfig({ ...cloud, JWT_ISSUER: 'https://sso', JWT_AUDIENCE: 'jobs' }).auth).toMatchObject({
      issuer: 'https://sso',
      audience: 'jobs',
    });
  });
});

describe('issued tokens (npm run token, the demo, npm start)', () => {
  test('carry the configured issuer and audience, live 12 h by default and pass the rules', async () => {
    const env = { JWT_ISSUER: 'https://sso', JWT_AUDIENCE: 'jobs' };
    const { auth } = loadConfig(env);
    const token = await issueToken({ sub: 'erin' }, auth, SECRET);
    expect(decodeJwt(token)).toMatchObject({ sub: 'erin', iss: 'https://sso', aud: 'jobs' });
    const { iat, exp } = decodeJwt(token);
    expect(exp! - iat!).toBe(12 * HOUR);
    expect(await verifierOf(env).verify(token)).toEqual({ sub: 'erin' });
  });

  test('never outlive JWT_MAX_TTL: a longer ttl is refused, the default shrinks to it', async () => {
    await expect(issueToken({ sub: 'a', ttl: '25h' }, loadConfig({}).auth, SECRET)).rejects.toThrow(
      /exceeds JWT_MAX_TTL \(86400 s\)/,
    );
    await expect(issueToken({ sub: 'a', ttl: 'forever' }, loadConfig({}).auth, SECRET)).rejects.toThrow(
      RangeError,
    );
    const short = decodeJwt(await issueToken({ sub: 'a' }, loadConfig({ JWT_MAX_TTL: '1h' }).auth, SECRET));
    expect(short.exp! - short.iat!).toBe(HOUR);
  });

  test("npm start's token lives 12 h, or JWT_MAX_TTL when that is shorter", async () => {
    const saved = { ...process.env };
    try {
      process.env.JWT_SECRET = SECRET;
      delete process.env.JWT_MAX_TTL;
      const hooks = await serviceHooks();
      const long = decodeJwt(await hooks.token('demo'));
      expect(long.exp! - long.iat!).toBe(12 * HOUR);
      process.env.JWT_MAX_TTL = '1h';
      const short = await hooks.token('demo');
      expect(decodeJwt(short).exp! - decodeJwt(short).iat!).toBe(HOUR);
      expect(await verifierOf({ JWT_MAX_TTL: '1h' }).verify(short)).toEqual({ sub: 'demo' });
    } finally {
      process.env = saved;
    }
  });

  test('npm run token refuses a lifetime over JWT_MAX_TTL on stderr, printing no token', async () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/token.ts', '--ttl', '48h'],
      {
        cwd: repo,
        env: { ...process.env, JWT_SECRET: SECRET },
      },
    );
    await expect(run).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/JWT_MAX_TTL/),
    });
  });
});

describe('through the API', () => {
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ deps, cleanup } = await testService());
  });
  afterAll(() => cleanup());

  test('a token breaking a rule gets 401 with the rule in the challenge and never the token', async () => {
    const strict = { ...deps, verifier: verifierOf({ JWT_AUDIENCE: 'dataframe-jobs' }) };
    const health = makeHandler(() => strict, 0);
    const token = await sign({ sub: 'a', iat: now(), exp: now() + 10 * 365 * DAY, aud: 'dataframe-jobs' });
    const res = await health(
      apiEvent('GET /health', { headers: { authorization: `Bearer ${token}` } }),
      lambdaContext(),
    );
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body!).error).toEqual({
      code: 'unauthorized',
      message: 'the access token lives longer than 86400 s',
    });
    expect(res.headers?.['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="the access token lives longer than 86400 s"',
    );
    for (const part of token.split('.'))
      expect(`${res.body}${JSON.stringify(res.headers)}`).not.toContain(part);
    const good = await sign({ sub: 'a', iat: now(), exp: now() + HOUR, aud: 'dataframe-jobs' });
    const ok = await health(
      apiEvent('GET /health', { headers: { authorization: `Bearer ${good}` } }),
      lambdaContext(),
    );
    expect(ok.statusCode).toBe(200);
  });
});
