/**
 * Access tokens: JWTs signed with HS256 by the company's SAML service (or
 * `npm run token` locally). The algorithm is pinned, `exp` is honoured when
 * present and `sub` names the user who starts each computation.
 *
 * @module
 */
import { webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../errors.js';

/** Who is calling. */
export interface Principal {
  /** The token's `sub`: the user recorded as each job's originator. */
  readonly sub: string;
}

/** Longest token accepted; bigger ones are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;
const ALGORITHM = 'HS256';
/** Seconds of clock skew allowed between the token's issuer and this service. */
const CLOCK_TOLERANCE_S = 5;
const encoder = new TextEncoder();

/**
 * The verification key of the last secret seen. Importing a raw secret into a
 * WebCrypto key is what jose would otherwise do on every request; it was a
 * third of the cost of a verification in the submission profile.
 */
let verifyKey: { secret: string; key: Promise<webcrypto.CryptoKey> } | undefined;

/** Tokens verified with the current secret: a client sends the same token with every request. */
const VERIFIED_LIMIT = 10_000;
const verified = new Map<string, { sub: string; exp: number | undefined }>();

function keyFor(secret: string): Promise<webcrypto.CryptoKey> {
  if (verifyKey?.secret !== secret) {
    verified.clear();
    const key = webcrypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    verifyKey = { secret, key };
  }
  return verifyKey.key;
}

/**
 * Strips an optional `Bearer ` scheme from an `Authorization` value.
 *
 * @throws `UnauthorizedError` for another scheme or an empty value
 */
export function bearerValue(raw: string): string {
  const value = raw.trim();
  const match = /^(\S+)\s+(\S+)$/.exec(value);
  if (match) {
    if (match[1]!.toLowerCase() !== 'bearer')
      throw new UnauthorizedError('the Authorization scheme must be Bearer', true);
    return match[2]!;
  }
  if (value === '' || /\s/.test(value)) throw new UnauthorizedError('malformed Authorization value', true);
  return value;
}

/**
 * Picks the token from the `Authorization` header or the body's
 * `Authorization` field (either may carry `Bearer <jwt>` or a bare JWT).
 *
 * @throws `UnauthorizedError` when none is given, or both are and differ
 */
export function extractToken(header: string | undefined, bodyField: unknown): string {
  const fromHeader = header !== undefined && header.trim() !== '' ? bearerValue(header) : undefined;
  let fromBody: string | undefined;
  if (bodyField !== undefined && bodyField !== null) {
    if (typeof bodyField !== 'string')
      throw new UnauthorizedError('the body field Authorization must be a string', true);
    fromBody = bearerValue(bodyField);
  }
  if (fromHeader && fromBody && fromHeader !== fromBody) {
    throw new UnauthorizedError('the Authorization header and body field carry different tokens', true);
  }
  const token = fromHeader ?? fromBody;
  if (!token) throw new UnauthorizedError('an access token is required (Authorization: Bearer <token>)');
  return token;
}

/**
 * Verifies a JWT and returns its principal.
 *
 * @param token - the compact JWT
 * @param secret - the HS256 shared secret
 * @throws `UnauthorizedError` for anything but a valid, unexpired HS256 token with a `sub`
 */
export async function verifyToken(token: string, secret: string): Promise<Principal> {
  if (token.length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('the access token is too long', true);
  const key = keyFor(secret);
  // A token whose signature was checked is not checked again; its expiry is, on every request.
  const known = verified.get(token);
  if (known) {
    if (known.exp !== undefined && Date.now() / 1000 > known.exp + CLOCK_TOLERANCE_S) {
      verified.delete(token);
      throw new UnauthorizedError('the access token has expired', true);
    }
    return { sub: known.sub };
  }
  try {
    const { payload } = await jwtVerify(token, await key, {
      algorithms: [ALGORITHM],
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) {
      throw new UnauthorizedError('the access token has no valid sub claim', true);
    }
    if (verified.size >= VERIFIED_LIMIT) verified.delete(verified.keys().next().value!);
    verified.set(token, { sub: payload.sub, exp: payload.exp });
    return { sub: payload.sub };
  } catch (err) {
    if (err instanceof UnauthorizedError) throw err;
    if (err instanceof joseErrors.JWTExpired)
      throw new UnauthorizedError('the access token has expired', true);
    // Signature, algorithm and format failures read alike: no oracle for an attacker.
    throw new UnauthorizedError('the access token is invalid', true);
  }
}

/**
 * Signs a token for `sub` (local use: `npm run token`, the demo and the tests).
 *
 * @param claims - `sub`, and `ttl`: the lifetime as a jose time span (`'12h'`, `'30m'`), or `null` for no expiry
 * @param secret - the HS256 secret
 *
 * @example
 * ```ts
 * const jwt = await signToken({ sub: 'alice', ttl: '1h' }, loadConfig().jwtSecret);
 * ```
 */
export async function signToken(
  claims: { sub: string; ttl?: string | null },
  secret: string,
): Promise<string> {
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt();
  const ttl = claims.ttl === undefined ? '12h' : claims.ttl;
  if (ttl !== null) jwt = jwt.setExpirationTime(ttl);
  return jwt.sign(encoder.encode(secret));
}
