/**
 * Fuzzing of access tokens (fixed seed in CI; `FUZZ_RUNS` for a longer run in
 * `npm run fuzz`): every token that is not a valid, unexpired HS256 JWT with a
 * string `sub` and a bounded lifetime, signed with the service's secret, is refused with 401, the
 * stable code `unauthorized` and `WWW-Authenticate: Bearer` — never a 500 —
 * wherever it is sent (header with or without `Bearer`, or body field), and
 * the token never comes back in the response.
 */
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { makeHandler } from '../../functions/health.js';
import { MAX_TOKEN_LENGTH } from '../../lib/auth/token.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { SECRET, testService } from './factories/service.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = 20261129;

let deps: ServiceDeps;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ deps, cleanup } = await testService());
});
afterAll(() => cleanup());

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);
const HMAC = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/**
 * A compact JWT built by hand, so that any header and claims can be signed:
 * the signature is an HMAC (`hmac`) with `key`, whatever `alg` the header claims.
 */
function craft(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: string,
  hmac: keyof typeof HMAC | 'none',
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  if (hmac === 'none') return `${input}.`;
  return `${input}.${createHmac(HMAC[hmac], key).update(input).digest('base64url')}`;
}

const validClaims = (sub = 'alice'): Record<string, unknown> => ({ sub, iat: now(), exp: now() + 600 });
const sub = fc.string({ minLength: 1, maxLength: 40 });

/** A bad token and what makes it bad (shown when the property fails). */
interface BadToken {
  readonly kind: string;
  readonly token: string;
}

const algNone = fc.tuple(fc.constantFrom('none', 'None', 'NONE', 'nOnE'), sub).map(([alg, s]): BadToken => ({
  kind: `alg ${alg}`,
  token: craft({ alg, typ: 'JWT' }, validClaims(s), SECRET, 'none'),
}));

/** Another algorithm in the header: other HMACs signed with the right secret, and algorithm confusion. */
const wrongAlgorithm = fc
  .tuple(
    fc.constantFrom('HS384', 'HS512', 'RS256', 'ES256', 'PS256', 'EdDSA', 'hs256', '', 'HS256 '),
    fc.constantFrom<keyof typeof HMAC>('HS256', 'HS384', 'HS512'),
    sub,
  )
  .map(([alg, hmac, s]): BadToken => ({
    kind: `header alg ${JSON.stringify(alg)} with an ${hmac} signature`,
    token: craft({ alg, typ: 'JWT' }, validClaims(s), SECRET, hmac),
  }));

const wrongSecret = fc
  .tuple(
    fc.string({ minLength: 0, maxLength: 64 }).filter((k) => k !== SECRET),
    sub,
  )
  .map(([key, s]): BadToken => ({
    kind: `secret ${JSON.stringify(key)}`,
    token: craft({ alg: 'HS256', typ: 'JWT' }, validClaims(s), key, 'HS256'),
  }));

// The service allows JWT_CLOCK_SKEW (60 s by default) of clock skew: anything further out is refused.
const SKEW = 60;
const expired = fc.integer({ min: SKEW + 1, max: 1_000_000_000 }).map((ago): BadToken => ({
  kind: `expired ${ago} s ago`,
  token: craft({ alg: 'HS256' }, { sub: 'alice', iat: now() - ago - 60, exp: now() - ago }, SECRET, 'HS256'),
}));

const notYetValid = fc.integer({ min: SKEW + 1, max: 100_000_000 }).map((ahead): BadToken => ({
  kind: `nbf in ${ahead} s`,
  token: craft({ alg: 'HS256' }, { ...validClaims(), nbf: now() + ahead }, SECRET, 'HS256'),
}));

const issuedInTheFuture = fc.integer({ min: SKEW + 1, max: 100_000_000 }).map((ahead): BadToken => ({
  kind: `iat in ${ahead} s`,
  token: craft({ alg: 'HS256' }, { sub: 'alice', iat: now() + ahead, exp: now() + 600 }, SECRET, 'HS256'),
}));

/** No exp, or one beyond JWT_MAX_TTL (24 h by default), with or without an iat. */
const DAY = 86_400;
const unboundedLifetime = fc
  .tuple(fc.option(fc.integer({ min: DAY + SKEW + 1, max: 400_000_000 }), { nil: undefined }), fc.boolean())
  .map(([lifetime, withIat]): BadToken => {
    const claims: Record<string, unknown> = { sub: 'alice' };
    if (withIat) claims.iat = now();
    if (lifetime !== undefined) claims.exp = now() + lifetime;
    return {
      kind: `lifetime ${lifetime ?? 'unbounded'}, iat ${withIat}`,
      token: craft({ alg: 'HS256' }, claims, SECRET, 'HS256'),
    };
  });

const badSub = fc
  .oneof(
    fc.constant(undefined),
    fc.constant(''),
    fc.constant(null),
    fc.integer(),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    fc.string({ minLength: 257, maxLength: 2000 }),
  )
  .map((value): BadToken => {
    const claims: Record<string, unknown> = { iat: now(), exp: now() + 600 };
    if (value !== undefined) claims.sub = value;
    return {
      kind: `sub ${JSON.stringify(value)?.slice(0, 40)}`,
      token: craft({ alg: 'HS256' }, claims, SECRET, 'HS256'),
    };
  });

/** Valid in every other way, but longer than the service reads. */
const oversized = fc
  .integer({ min: MAX_TOKEN_LENGTH, max: 4 * MAX_TOKEN_LENGTH })
  .map((length): BadToken => ({
    kind: `oversized (${length} bytes of padding)`,
    token: craft({ alg: 'HS256' }, { ...validClaims(), pad: 'x'.repeat(length) }, SECRET, 'HS256'),
  }));

const base64urlChars = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.'.split(''),
);
const garbage = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 300, unit: base64urlChars }),
    fc
      .tuple(
        fc.string({ maxLength: 80, unit: base64urlChars }),
        fc.string({ maxLength: 80, unit: base64urlChars }),
        fc.string({ maxLength: 80, unit: base64urlChars }),
      )
      .map((parts) => parts.join('.')),
    fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
    fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }),
  )
  .map((token): BadToken => ({ kind: 'garbage', token }));

/** A valid token with one significant character of its header, claims or signature changed. */
const tampered = fc.tuple(sub, fc.nat(), base64urlChars).map(([s, at, char]): BadToken => {
  const valid = craft({ alg: 'HS256', typ: 'JWT' }, validClaims(s), SECRET, 'HS256');
  let i = at % valid.length;
  if (valid[i] === '.') i = (i + 1) % valid.length;
  // The last character of a segment may carry unused padding bits: changing only those decodes to
  // the same bytes (base64 malleability, harmless), so tamper with the one before instead.
  if (i === valid.length - 1 || valid[i + 1] === '.') i -= 1;
  const token =
    valid.slice(0, i) + (valid[i] === char ? (char === 'A' ? 'B' : 'A') : char) + valid.slice(i + 1);
  return { kind: `tampered at ${i}`, token };
});

const badToken = fc.oneof(
  algNone,
  wrongAlgorithm,
  wrongSecret,
  expired,
  notYetValid,
  issuedInTheFuture,
  unboundedLifetime,
  badSub,
  oversized,
  garbage,
  tampered,
);

/** Where a request carries its token. */
const placement = fc.constantFrom('bearer header', 'bare header', 'body field', 'body field with Bearer');
type Placement = 'bearer header' | 'bare header' | 'body field' | 'body field with Bearer';

function carry(token: string, where: Placement): Parameters<typeof apiEvent>[1] {
  switch (where) {
    case 'bearer header':
      return { headers: { authorization: `Bearer ${token}` } };
    case 'bare header':
      return { headers: { authorization: token } };
    case 'body field':
      return { body: { Authorization: token } };
    case 'body field with Bearer':
      return { body: { Authorization: `Bearer ${token}` } };
  }
}

const health = (options: Parameters<typeof apiEvent>[1]): Promise<APIGatewayProxyStructuredResultV2> =>
  makeHandler(() => deps, 0)(apiEvent('GET /health', options), lambdaContext());

/** Why `res` is not a clean refusal of `token`, or undefined when it is one. */
function refusalProblem(res: APIGatewayProxyStructuredResultV2, token: string): string | undefined {
  if (res.statusCode !== 401) return `status ${res.statusCode}: ${res.body?.slice(0, 200)}`;
  let code: unknown;
  try {
    code = (JSON.parse(res.body ?? '') as { error?: { code?: unknown } }).error?.code;
  } catch {
    return `body is not JSON: ${res.body?.slice(0, 200)}`;
  }
  if (code !== 'unauthorized') return `code ${String(code)}`;
  const challenge = String(res.headers?.['www-authenticate'] ?? '');
  if (!challenge.startsWith('Bearer')) return `WWW-Authenticate ${JSON.stringify(challenge)}`;
  // Neither the token nor any sizeable piece of it comes back, in the body or the challenge.
  const echoed = [token, ...token.split('.')].filter((piece) => piece.length >= 12);
  const answer = `${res.body ?? ''}\n${challenge}`;
  const leak = echoed.find((piece) => answer.includes(piece));
  return leak === undefined ? undefined : `echoes ${JSON.stringify(leak.slice(0, 40))}`;
}

test('a token crafted by hand the valid way is accepted, so the refusals below are the checks at work', async () => {
  const token = craft({ alg: 'HS256', typ: 'JWT' }, validClaims('fuzz'), SECRET, 'HS256');
  for (const where of ['bearer header', 'bare header', 'body field', 'body field with Bearer'] as const) {
    expect((await health(carry(token, where))).statusCode).toBe(200);
  }
});

test('every bad token, wherever it is sent, gets 401 unauthorized with a Bearer challenge and is never echoed', async () => {
  await fc.assert(
    fc.asyncProperty(badToken, placement, async ({ kind, token }, where) => {
      const problem = refusalProblem(await health(carry(token, where as Placement)), token);
      if (problem) throw new Error(`${kind} in the ${where}: ${problem}`);
    }),
    { seed: SEED, numRuns: RUNS * 10 },
  );
}, 120_000);

test('different tokens in the header and the body are refused, even when both are valid', async () => {
  await fc.assert(
    fc.asyncProperty(sub, sub, fc.boolean(), fc.boolean(), async (a, b, bearerInHeader, bearerInBody) => {
      const first = craft({ alg: 'HS256', typ: 'JWT' }, validClaims(a), SECRET, 'HS256');
      // Same user, another token (other claims) counts as different too.
      const second = craft({ alg: 'HS256', typ: 'JWT' }, { ...validClaims(b), jti: 'x' }, SECRET, 'HS256');
      const res = await health({
        headers: { authorization: bearerInHeader ? `Bearer ${first}` : first },
        body: { Authorization: bearerInBody ? `Bearer ${second}` : second },
      });
      const problem = refusalProblem(res, first) ?? refusalProblem(res, second);
      if (problem) throw new Error(`header ${a} / body ${b}: ${problem}`);
    }),
    { seed: SEED, numRuns: RUNS * 2 },
  );
}, 60_000);
