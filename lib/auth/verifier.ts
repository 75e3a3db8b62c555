/**
 * Decides whether an access token is good. `token.ts` finds tokens in a
 * request and signs local ones, `secret.ts` provides the HS256 secret,
 * `auth-config.ts` reads the rules; this module applies them:
 *
 * - **the key follows the algorithm, the algorithm is pinned per key**: HS256
 *   is checked with the shared secret only (WebCrypto's HMAC verification,
 *   constant-time); RS256/ES256 with the configured public key (its one
 *   algorithm) or a key of the JWKS whose type matches; `none` and anything
 *   else are refused before any key is touched;
 * - `exp` is required, `exp - iat` and `exp - now` are at most `JWT_MAX_TTL`,
 *   `iat` and `nbf` are not in the future, `iss`/`aud` match when configured,
 *   all with `JWT_CLOCK_SKEW` of tolerance.
 *
 * Every refusal is an `UnauthorizedError` (401) whose message never holds the
 * token. Only a key set that cannot be fetched is something else: a fault of
 * the service, not of the caller.
 *
 * @module
 */
import { webcrypto } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type RemoteJWKSetOptions,
} from 'jose';
import { UnauthorizedError } from '../errors.js';
import type { AuthConfig } from './auth-config.js';
import { MAX_TOKEN_LENGTH, type Principal } from './token.js';

/** Checks access tokens. */
export interface TokenVerifier {
  /**
   * Verifies `token` and returns its principal.
   *
   * @throws `UnauthorizedError` for any token that breaks a rule
   * @throws `KeySetUnavailableError` when the JWKS cannot be fetched
   */
  verify(token: string): Promise<Principal>;
}

/** Options of {@link createVerifier} (tests shorten the delays). */
export interface VerifierOptions {
  /** jose's remote key set options; by default keys are cached 10 minutes and fetched within 3 s. */
  readonly jwks?: RemoteJWKSetOptions;
  /** How long a verified token is trusted before its signature is checked again (default 5 minutes). */
  readonly recheckAfterMs?: number;
}

/** The JWKS of `JWT_JWKS_URL` could not be fetched: the service cannot verify, the caller did nothing wrong. */
export class KeySetUnavailableError extends Error {
  /** @param cause - the fetch's failure */
  constructor(cause: unknown) {
    super('the signing keys of JWT_JWKS_URL could not be fetched', { cause });
    this.name = 'KeySetUnavailableError';
  }
}

/** The one symmetric algorithm, verified with the shared secret only. */
const HMAC_ALG = 'HS256';
/** Tokens verified once and trusted for a while: a client sends the same token with every request. */
const VERIFIED_LIMIT = 10_000;
const DEFAULT_RECHECK_MS = 5 * 60_000;
const encoder = new TextEncoder();

/** What verifies one algorithm: a key, or jose's key-set resolver. */
type KeySource = CryptoKey | JWTVerifyGetKey;

/** A token whose signature was checked: its claims, and the key that checked it. */
interface Verified {
  readonly sub: string;
  readonly exp: number;
  readonly source: KeySource;
  /** Epoch ms after which the signature is checked again (bounds how long a key removed from a JWKS counts). */
  readonly recheckAt: number;
}

const invalid = (): UnauthorizedError => new UnauthorizedError('the access token is invalid', true);
const expired = (): UnauthorizedError => new UnauthorizedError('the access token has expired', true);

/** jose's claim failures, as a caller can act on them (only reached once the signature is valid). */
function claimFailure(err: InstanceType<typeof joseErrors.JWTClaimValidationFailed>): UnauthorizedError {
  const messages: Record<string, string> = {
    exp: 'the access token has no exp claim',
    iss: 'the access token was not issued by the accepted issuer',
    aud: 'the access token is not meant for this service (aud)',
    nbf: 'the access token is not valid yet',
    sub: 'the access token has no valid sub claim',
  };
  const message = err.reason === 'invalid' ? undefined : messages[err.claim];
  return message === undefined ? invalid() : new UnauthorizedError(message, true);
}

/**
 * The rules jose does not apply: a bounded lifetime and an `iat` not in the future.
 *
 * @throws `UnauthorizedError` naming the rule broken
 */
function checkTimes(payload: JWTPayload, auth: AuthConfig, now: number): void {
  const { exp, iat } = payload;
  const skew = auth.clockSkewSeconds;
  if (exp === undefined) throw new UnauthorizedError('the access token has no exp claim', true);
  if (iat !== undefined && iat > now + skew) {
    throw new UnauthorizedError('the access token was issued in the future (iat)', true);
  }
  // exp - iat is the lifetime the issuer granted; exp - now catches a token without iat or with a false one.
  if ((iat !== undefined && exp - iat > auth.maxTtlSeconds) || exp - now > auth.maxTtlSeconds + skew) {
    throw new UnauthorizedError(`the access token lives longer than ${auth.maxTtlSeconds} s`, true);
  }
}

function validSub(payload: JWTPayload): string {
  const { sub } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) {
    throw new UnauthorizedError('the access token has no valid sub claim', true);
  }
  return sub;
}

/**
 * Builds the verifier of a configuration.
 *
 * @param auth - the token rules (`config.auth`)
 * @param secret - returns the HS256 secret (read once per cold start; a new value drops the trusted tokens)
 * @param options - key-set and trust delays
 */
export function createVerifier(
  auth: AuthConfig,
  secret: () => Promise<string>,
  options: VerifierOptions = {},
): TokenVerifier {
  const recheckAfterMs = options.recheckAfterMs ?? DEFAULT_RECHECK_MS;
  const verified = new Map<string, Verified>();
  let hmac: { secret: string; key: CryptoKey } | undefined;
  let publicKey: Promise<CryptoKey> | undefined;
  const keySet = auth.jwksUrl === undefined ? undefined : remoteKeySet(auth.jwksUrl, options.jwks);
  const asymmetric: readonly string[] = auth.publicKey
    ? [auth.publicKey.alg]
    : keySet
      ? ['RS256', 'ES256']
      : [];

  /** The key of `alg`; importing a key is a third of a verification's cost, so each is imported once. */
  async function sourceFor(alg: unknown): Promise<KeySource> {
    if (alg === HMAC_ALG) {
      const current = await secret();
      if (hmac?.secret !== current) {
        verified.clear();
        const key = await webcrypto.subtle.importKey(
          'raw',
          encoder.encode(current),
          { name: 'HMAC', hash: 'SHA-256' },
          false,
          ['verify'],
        );
        hmac = { secret: current, key };
      }
      return hmac.key;
    }
    if (typeof alg !== 'string' || !asymmetric.includes(alg)) throw invalid();
    if (keySet) return keySet;
    publicKey ??= importSPKI(auth.publicKey!.pem, auth.publicKey!.alg);
    return publicKey;
  }

  const claimOptions: JWTVerifyOptions = {
    clockTolerance: auth.clockSkewSeconds,
    requiredClaims: ['exp', 'sub'],
    ...(auth.issuer !== undefined && { issuer: auth.issuer }),
    ...(auth.audience !== undefined && { audience: auth.audience }),
  };

  async function verifyOnce(token: string, alg: string, source: KeySource): Promise<Verified> {
    try {
      const { payload } =
        typeof source === 'function'
          ? await jwtVerify(token, source, { ...claimOptions, algorithms: [alg] })
          : await jwtVerify(token, source, { ...claimOptions, algorithms: [alg] });
      const sub = validSub(payload);
      checkTimes(payload, auth, Math.floor(Date.now() / 1000));
      return { sub, exp: payload.exp!, source, recheckAt: Date.now() + recheckAfterMs };
    } catch (err) {
      if (err instanceof UnauthorizedError || err instanceof KeySetUnavailableError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw expired();
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw claimFailure(err);
      // Signature, algorithm, key and format failures read alike: no oracle for an attacker.
      throw invalid();
    }
  }

  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('the access token is too long', true);
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw invalid();
      }
      const source = await sourceFor(alg);
      const known = verified.get(token);
      if (known?.source === source && Date.now() < known.recheckAt) {
        // Its signature and claims were checked; only time moved since.
        if (Date.now() / 1000 > known.exp + auth.clockSkewSeconds) {
          verified.delete(token);
          throw expired();
        }
        return { sub: known.sub };
      }
      const fresh = await verifyOnce(token, alg as string, source);
      verified.delete(token);
      if (verified.size >= VERIFIED_LIMIT) verified.delete(verified.keys().next().value!);
      verified.set(token, fresh);
      return { sub: fresh.sub };
    },
  };
}

/**
 * jose's remote key set over `url`, cached (10 minutes; an unknown `kid` refetches at most every
 * 30 s), whose fetch failures become {@link KeySetUnavailableError}. jose picks a key by the token's
 * `kid` and by a type that fits its `alg` (RSA for RS256, EC P-256 for ES256) and honours a JWK's own
 * `alg`: that is the per-key pinning.
 */
function remoteKeySet(url: URL, options: RemoteJWKSetOptions = {}): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, { timeoutDuration: 3000, ...options });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      const refusal =
        err instanceof joseErrors.JWKSNoMatchingKey ||
        err instanceof joseErrors.JWKSMultipleMatchingKeys ||
        err instanceof joseErrors.JOSENotSupported;
      throw refusal ? err : new KeySetUnavailableError(err);
    }
  };
}
