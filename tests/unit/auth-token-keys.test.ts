/**
 * RS256/ES256 tokens (issue 12, item 11): verified with JWT_PUBLIC_KEY or the
 * keys of JWT_JWKS_URL, each key pinned to its one algorithm, beside HS256
 * tokens verified with the shared secret only. The key set is served by a real
 * HTTP server on 127.0.0.1 and fetched by jose's own remote key set.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';
import { makeHandler } from '../../functions/health.js';
import { createVerifier, KeySetUnavailableError, type TokenVerifier } from '../../lib/auth/verifier.js';
import { loadConfig } from '../../lib/config.js';
import { UnauthorizedError } from '../../lib/errors.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { testService } from './factories/service.js';

const SECRET = 'keys-test-secret-0123456789abcdef';

type Pair = { publicKey: CryptoKey; privateKey: CryptoKey };
let rsa: Pair;
let otherRsa: Pair;
let ec: Pair;
let rsaPem: string;
let ecPem: string;
beforeAll(async () => {
  [rsa, otherRsa, ec] = await Promise.all([
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('ES256', { extractable: true }),
  ]);
  rsaPem = await exportSPKI(rsa.publicKey);
  ecPem = await exportSPKI(ec.publicKey);
});

/** A valid token (sub, iat, exp in 10 minutes) signed with `key` under `header`. */
function token(header: JWTHeaderParameters, key: CryptoKey | Uint8Array, sub = 'saml-user'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader(header)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);
}
const hmac = (text: string): Uint8Array => new TextEncoder().encode(text);

const verifierOf = (env: Record<string, string>, options?: Parameters<typeof createVerifier>[2]) =>
  createVerifier(loadConfig({ JWT_SECRET: SECRET, ...env }).auth, async () => SECRET, options);

/** 'accepted as <sub>', or the refusal's message. */
async function outcome(verifier: TokenVerifier, jwt: string | Promise<string>): Promise<string> {
  try {
    return `accepted as ${(await verifier.verify(await jwt)).sub}`;
  } catch (err) {
    if (err instanceof UnauthorizedError) return err.message;
    throw err;
  }
}

describe('JWT_PUBLIC_KEY', () => {
  test('an RSA key verifies RS256 tokens it signed, and refuses those of another key', async () => {
    const v = verifierOf({ JWT_PUBLIC_KEY: rsaPem });
    expect(await outcome(v, token({ alg: 'RS256' }, rsa.privateKey))).toBe('accepted as saml-user');
    expect(await outcome(v, token({ alg: 'RS256' }, otherRsa.privateKey))).toBe(
      'the access token is invalid',
    );
  });

  test('an RSA key is pinned to RS256: RS384, PS256 and ES256 tokens are refused', async () => {
    const v = verifierOf({ JWT_PUBLIC_KEY: rsaPem });
    const rs384 = await generateKeyPair('RS384', { extractable: true });
    const ps256 = await generateKeyPair('PS256', { extractable: true });
    // Same key material, other algorithms: the PEM's RSA key signs them, the pin refuses them.
    const rsaPrivate = await exportPKCS8(rsa.privateKey);
    expect(await outcome(v, token({ alg: 'RS384' }, await importPKCS8(rsaPrivate, 'RS384')))).toBe(
      'the access token is invalid',
    );
    expect(await outcome(v, token({ alg: 'PS256' }, await importPKCS8(rsaPrivate, 'PS256')))).toBe(
      'the access token is invalid',
    );
    expect(await outcome(v, token({ alg: 'RS384' }, rs384.privateKey))).toBe('the access token is invalid');
    expect(await outcome(v, token({ alg: 'PS256' }, ps256.privateKey))).toBe('the access token is invalid');
    expect(await outcome(v, token({ alg: 'ES256' }, ec.privateKey))).toBe('the access token is invalid');
  });

  test('an HS256 token whose secret is the public key itself (algorithm confusion) is refused', async () => {
    const v = verifierOf({ JWT_PUBLIC_KEY: rsaPem });
    expect(await outcome(v, token({ alg: 'HS256' }, hmac(rsaPem)))).toBe('the access token is invalid');
    expect(await outcome(v, token({ alg: 'HS256' }, hmac(rsaPem.trim())))).toBe(
      'the access token is invalid',
    );
    // HS256 stays verified with the shared secret, and only with it.
    expect(await outcome(v, token({ alg: 'HS256' }, hmac(SECRET), 'local'))).toBe('accepted as local');
  });

  test('alg none is refused, whatever the key', async () => {
    const unsigned = new UnsecuredJWT({ sub: 'mallory' }).setIssuedAt().setExpirationTime('10m').encode();
    for (const pem of [rsaPem, ecPem]) {
      expect(await outcome(verifierOf({ JWT_PUBLIC_KEY: pem }), unsigned)).toBe(
        'the access token is invalid',
      );
    }
  });

  test('an EC P-256 key verifies ES256 only', async () => {
    const v = verifierOf({ JWT_PUBLIC_KEY: ecPem });
    expect(await outcome(v, token({ alg: 'ES256' }, ec.privateKey))).toBe('accepted as saml-user');
    expect(await outcome(v, token({ alg: 'RS256' }, rsa.privateKey))).toBe('the access token is invalid');
    expect(await outcome(v, token({ alg: 'HS256' }, hmac(ecPem)))).toBe('the access token is invalid');
  });

  test('the claim rules apply to RS256 tokens too', async () => {
    const v = verifierOf({ JWT_PUBLIC_KEY: rsaPem, JWT_AUDIENCE: 'dataframe-jobs' });
    const noExp = new SignJWT({ aud: 'dataframe-jobs' }).setProtectedHeader({ alg: 'RS256' }).setSubject('a');
    expect(await outcome(v, noExp.sign(rsa.privateKey))).toBe('the access token has no exp claim');
    expect(await outcome(v, token({ alg: 'RS256' }, rsa.privateKey))).toBe(
      'the access token is not meant for this service (aud)',
    );
  });

  test('the configuration reads a one-line PEM with \\n escapes and refuses keys it cannot pin', async () => {
    const oneLine = rsaPem.trim().replace(/\n/g, '\\n');
    expect(loadConfig({ JWT_PUBLIC_KEY: oneLine }).auth.publicKey?.alg).toBe('RS256');
    expect(loadConfig({ JWT_PUBLIC_KEY: ecPem }).auth.publicKey?.alg).toBe('ES256');
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const p384 = await generateKeyPair('ES384', { extractable: true });
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    const cases: [string, RegExp][] = [
      ['not a key', /not a PEM public key/],
      [await exportSPKI(p384.publicKey), /EC P-256/],
      [await exportSPKI(ed.publicKey), /EC P-256/],
      [await exportPKCS8(rsa.privateKey), /holds a private key/],
      [weak.export({ type: 'spki', format: 'pem' }).toString(), /2048 bits/],
    ];
    for (const [pem, error] of cases) expect(() => loadConfig({ JWT_PUBLIC_KEY: pem })).toThrow(error);
    expect(() =>
      loadConfig({ JWT_PUBLIC_KEY: rsaPem, JWT_JWKS_URL: 'https://sso.example.com/jwks' }),
    ).toThrow(/not both/);
  });
});

describe('JWT_JWKS_URL, served by a local HTTP server', () => {
  let server: Server;
  let url: string;
  let keys: JWK[] = [];
  let status = 200;
  let fetches = 0;
  let rsaJwk: JWK;
  let ecJwk: JWK;

  beforeAll(async () => {
    rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    // No alg of its own: jose picks it for ES256 by its type and curve.
    ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' };
    server = createServer((req, res) => {
      fetches++;
      if (req.url !== '/.well-known/jwks.json' || status !== 200) {
        res.writeHead(req.url === '/.well-known/jwks.json' ? status : 404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    keys = [rsaJwk, ecJwk];
    status = 200;
    fetches = 0;
  });

  test('verifies RS256 and ES256 tokens by kid, fetching the key set once for many requests', async () => {
    const v = verifierOf({ JWT_JWKS_URL: url });
    for (let i = 0; i < 5; i++) {
      expect(await outcome(v, token({ alg: 'RS256', kid: 'rsa-1' }, rsa.privateKey, `r${i}`))).toBe(
        `accepted as r${i}`,
      );
      expect(await outcome(v, token({ alg: 'ES256', kid: 'ec-1' }, ec.privateKey, `e${i}`))).toBe(
        `accepted as e${i}`,
      );
    }
    expect(fetches).toBe(1);
  });

  test('pins each key to its algorithm: a kid naming a key of another type or alg is refused', async () => {
    const v = verifierOf({ JWT_JWKS_URL: url });
    expect(await outcome(v, token({ alg: 'RS256', kid: 'ec-1' }, rsa.privateKey))).toBe(
      'the access token is invalid',
    );
    expect(await outcome(v, token({ alg: 'ES256', kid: 'rsa-1' }, ec.privateKey))).toBe(
      'the access token is invalid',
    );
    const rs512 = await importPKCS8(await exportPKCS8(rsa.privateKey), 'RS512');
    expect(await outcome(v, token({ alg: 'RS512', kid: 'rsa-1' }, rs512))).toBe(
      'the access token is invalid',
    );
  });

  test('refuses a token of an unknown key, and HS256 tokens signed with anything but the secret', async () => {
    const v = verifierOf({ JWT_JWKS_URL: url });
    expect(await outcome(v, token({ alg: 'RS256', kid: 'rsa-1' }, otherRsa.privateKey))).toBe(
      'the access token is invalid',
    );
    expect(await outcome(v, token({ alg: 'RS256', kid: 'nobody' }, otherRsa.privateKey))).toBe(
      'the access token is invalid',
    );
    expect(await outcome(v, token({ alg: 'HS256', kid: 'rsa-1' }, hmac(JSON.stringify(rsaJwk))))).toBe(
      'the access token is invalid',
    );
    expect(await outcome(v, token({ alg: 'HS256' }, hmac(SECRET), 'local'))).toBe('accepted as local');
  });

  test('picks up a rotated key: a new kid refetches the set', async () => {
    const v = verifierOf({ JWT_JWKS_URL: url }, { jwks: { cooldownDuration: 0 } });
    expect(await outcome(v, token({ alg: 'RS256', kid: 'rsa-1' }, rsa.privateKey))).toBe(
      'accepted as saml-user',
    );
    keys = [rsaJwk, { ...(await exportJWK(otherRsa.publicKey)), kid: 'rsa-2', alg: 'RS256' }];
    expect(await outcome(v, token({ alg: 'RS256', kid: 'rsa-2' }, otherRsa.privateKey))).toBe(
      'accepted as saml-user',
    );
    expect(fetches).toBe(2);
  });

  test('a key withdrawn from the set stops counting once its tokens are checked again', async () => {
    const v = verifierOf({ JWT_JWKS_URL: url }, { jwks: { cacheMaxAge: 0 }, recheckAfterMs: 0 });
    const jwt = await token({ alg: 'RS256', kid: 'rsa-1' }, rsa.privateKey);
    expect(await outcome(v, jwt)).toBe('accepted as saml-user');
    keys = [ecJwk];
    expect(await outcome(v, jwt)).toBe('the access token is invalid');
  });

  test('an unreachable or failing key set is a fault of the service (500), not a 401', async () => {
    status = 503;
    const v = verifierOf({ JWT_JWKS_URL: url });
    const jwt = await token({ alg: 'RS256', kid: 'rsa-1' }, rsa.privateKey);
    await expect(v.verify(jwt)).rejects.toBeInstanceOf(KeySetUnavailableError);
    const { deps, cleanup } = await testService();
    try {
      const health = makeHandler(() => ({ ...deps, verifier: v }), 0);
      const res = await health(
        apiEvent('GET /health', { headers: { authorization: `Bearer ${jwt}` } }),
        lambdaContext(),
      );
      expect(res.statusCode).toBe(500);
      expect(JSON.parse(res.body!).error.code).toBe('internal_error');
      for (const part of jwt.split('.')) expect(res.body).not.toContain(part);
    } finally {
      await cleanup();
    }
    const closed = verifierOf({ JWT_JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    await expect(closed.verify(jwt)).rejects.toBeInstanceOf(KeySetUnavailableError);
  });

  test('the configuration accepts https, and http only to this machine', () => {
    expect(loadConfig({ JWT_JWKS_URL: 'https://sso.example.com/jwks' }).auth.jwksUrl?.href).toBe(
      'https://sso.example.com/jwks',
    );
    expect(() => loadConfig({ JWT_JWKS_URL: 'http://sso.example.com/jwks' })).toThrow(/https/);
    expect(() => loadConfig({ JWT_JWKS_URL: 'not a url' })).toThrow(/not a URL/);
  });
});
