/**
 * Access tokens as requests carry them: JWTs issued by the company's SAML
 * service (or `npm run token` locally), found in the `Authorization` header
 * or body field; `sub` names the user who starts each computation. Whether a
 * token is good is `verifier.ts`'s decision.
 *
 * @module
 */
import { SignJWT } from 'jose';
import { parseDuration, type AuthConfig } from './auth-config.js';
import { UnauthorizedError } from '../errors.js';

/** Who is calling. */
export interface Principal {
  /** The token's `sub`: the user recorded as each job's originator. */
  readonly sub: string;
}

/** Longest token accepted; bigger ones are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;
const ALGORITHM = 'HS256';
const encoder = new TextEncoder();

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

/** What {@link signToken} puts in a token. */
export interface TokenClaims {
  /** The user. */
  readonly sub: string;
  /** Lifetime as a jose time span (`'12h'`, `'30m'`); 12 hours by default. */
  readonly ttl?: string;
  /** `iss`, when the service expects one (`JWT_ISSUER`). */
  readonly issuer?: string | undefined;
  /** `aud`, when the service expects one (`JWT_AUDIENCE`). */
  readonly audience?: string | undefined;
}

/**
 * Signs an HS256 token for `sub` with `iat` and `exp` (tests and the raw form of {@link issueToken}).
 *
 * @param claims - subject, lifetime, issuer and audience
 * @param secret - the HS256 secret
 */
export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.ttl ?? '12h');
  if (claims.issuer !== undefined) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(encoder.encode(secret));
}

/**
 * Issues a token the service accepts (`npm run token`, the demo, the local stack's hooks): the
 * configured issuer and audience, a lifetime within `JWT_MAX_TTL`.
 *
 * @param claims - `sub`, and `ttl`: seconds or a number with s, m, h or d (12 hours, or `JWT_MAX_TTL` if shorter, by default)
 * @param auth - the token rules (`config.auth`)
 * @param secret - the HS256 secret
 * @throws RangeError when `ttl` is not a duration or exceeds `JWT_MAX_TTL`
 *
 * @example
 * ```ts
 * const config = loadConfig();
 * const jwt = await issueToken({ sub: 'alice', ttl: '1h' }, config.auth, config.jwtSecret);
 * ```
 */
export async function issueToken(
  claims: { sub: string; ttl?: string },
  auth: AuthConfig,
  secret: string,
): Promise<string> {
  const seconds =
    claims.ttl === undefined ? Math.min(12 * 3600, auth.maxTtlSeconds) : parseDuration(claims.ttl);
  if (seconds === undefined || seconds <= 0) {
    throw new RangeError(`the lifetime ${JSON.stringify(claims.ttl)} is not a duration such as 30m or 12h`);
  }
  if (seconds > auth.maxTtlSeconds) {
    throw new RangeError(`the lifetime ${claims.ttl} exceeds JWT_MAX_TTL (${auth.maxTtlSeconds} s)`);
  }
  return signToken(
    { sub: claims.sub, ttl: `${seconds}s`, issuer: auth.issuer, audience: auth.audience },
    secret,
  );
}
