/**
 * The access-token rules, read from the environment with the rest of the
 * configuration (`lib/config.ts` calls {@link authConfigFrom}): lifetime cap,
 * clock skew, expected issuer and audience, and the public key or key set of
 * signers that use RS256/ES256. A bad value stops the cold start; it is never
 * found out per request.
 *
 * @module
 */
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';

/** Asymmetric algorithms accepted, each pinned to the kind of key that verifies it. */
export type AsymmetricAlgorithm = 'RS256' | 'ES256';

/** A configured public key and the one algorithm it verifies. */
export interface PinnedPublicKey {
  /** The SPKI PEM text (`-----BEGIN PUBLIC KEY-----`). */
  readonly pem: string;
  /** RS256 for an RSA key, ES256 for an EC P-256 key: nothing else is verified with it. */
  readonly alg: AsymmetricAlgorithm;
}

/** The token rules. */
export interface AuthConfig {
  /** Longest lifetime accepted, in seconds (`JWT_MAX_TTL`, default 24 h): `exp - iat` and `exp - now`. */
  readonly maxTtlSeconds: number;
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds (`JWT_CLOCK_SKEW`, default 60). */
  readonly clockSkewSeconds: number;
  /** When set, `iss` must equal it (`JWT_ISSUER`). */
  readonly issuer: string | undefined;
  /** When set, `aud` must contain it (`JWT_AUDIENCE`). */
  readonly audience: string | undefined;
  /** RS256/ES256 tokens are verified with this key (`JWT_PUBLIC_KEY`)… */
  readonly publicKey: PinnedPublicKey | undefined;
  /** …or with the keys this URL serves (`JWT_JWKS_URL`); never both. */
  readonly jwksUrl: URL | undefined;
}

/** Default of `JWT_MAX_TTL`: a working day and its night, the SAML service's session length. */
export const DEFAULT_MAX_TTL_SECONDS = 24 * 3600;
/** Default of `JWT_CLOCK_SKEW`: what NTP-synchronised hosts stay well within. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
/** Smallest RSA modulus accepted (what jose and NIST require for RS256). */
const MIN_RSA_BITS = 2048;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Reads a duration: whole seconds (`3600`) or a number with a unit s, m, h or d (`24h`).
 *
 * @returns the duration in seconds, or undefined when `text` is not one
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
}

const duration = (fallback: number) =>
  z
    .string()
    .default('')
    .transform((text, ctx) => {
      if (text.trim() === '') return fallback;
      const seconds = parseDuration(text);
      if (seconds === undefined) ctx.addIssue({ code: 'custom', message: 'not a duration' });
      return seconds ?? fallback;
    });

/** The variables of the token rules, in the configuration's schema. */
export const AuthEnvSchema = z.object({
  JWT_MAX_TTL: duration(DEFAULT_MAX_TTL_SECONDS).refine((s) => s > 0),
  JWT_CLOCK_SKEW: duration(DEFAULT_CLOCK_SKEW_SECONDS).refine((s) => s <= 600),
  JWT_ISSUER: z.string().default(''),
  JWT_AUDIENCE: z.string().default(''),
  JWT_PUBLIC_KEY: z.string().default(''),
  JWT_JWKS_URL: z.string().default(''),
});

/**
 * The algorithm a public key is pinned to, from the key itself.
 *
 * @param pem - SPKI PEM; `\n` escapes are read as line breaks, so the key fits in one environment line
 * @throws Error when it is not a PEM public key (a private key included), an RSA key of at least 2,048 bits or an EC P-256 key
 */
export function pinPublicKey(pem: string): PinnedPublicKey {
  const text = pem.includes('-----BEGIN') && !pem.includes('\n') ? pem.replace(/\\n/g, '\n') : pem;
  // Node would derive the public half of a private key: refuse it, a signing key has no place here.
  if (text.includes('PRIVATE KEY'))
    throw new Error('invalid configuration: JWT_PUBLIC_KEY holds a private key');
  let key;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    throw new Error('invalid configuration: JWT_PUBLIC_KEY is not a PEM public key');
  }
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS) {
    return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), alg: 'RS256' };
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') {
    return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), alg: 'ES256' };
  }
  throw new Error(
    'invalid configuration: JWT_PUBLIC_KEY must be an RSA key of 2048 bits or more (RS256) or an EC P-256 key (ES256)',
  );
}

/**
 * Where the signing keys are published: HTTPS, or HTTP to this machine only (tests, local setups),
 * since a key set fetched in clear over a network could be replaced by anyone on the path.
 *
 * @throws Error for anything else
 */
function jwksLocation(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('invalid configuration: JWT_JWKS_URL is not a URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error('invalid configuration: JWT_JWKS_URL must be https (http only to localhost)');
  }
  return url;
}

/**
 * Builds the token rules from the parsed variables.
 *
 * @param vars - the output of {@link AuthEnvSchema}
 * @param inCloud - a deployed function: issuer and audience are then required
 * @throws Error naming the variable at fault
 */
export function authConfigFrom(vars: z.output<typeof AuthEnvSchema>, inCloud: boolean): AuthConfig {
  if (inCloud && (vars.JWT_ISSUER === '' || vars.JWT_AUDIENCE === '')) {
    // Without them a token minted for another service of the company would be accepted here.
    throw new Error('invalid configuration: JWT_ISSUER and JWT_AUDIENCE are required in the cloud');
  }
  if (vars.JWT_PUBLIC_KEY !== '' && vars.JWT_JWKS_URL !== '') {
    throw new Error('invalid configuration: set JWT_PUBLIC_KEY or JWT_JWKS_URL, not both');
  }
  return {
    maxTtlSeconds: vars.JWT_MAX_TTL,
    clockSkewSeconds: vars.JWT_CLOCK_SKEW,
    issuer: vars.JWT_ISSUER === '' ? undefined : vars.JWT_ISSUER,
    audience: vars.JWT_AUDIENCE === '' ? undefined : vars.JWT_AUDIENCE,
    publicKey: vars.JWT_PUBLIC_KEY === '' ? undefined : pinPublicKey(vars.JWT_PUBLIC_KEY),
    jwksUrl: vars.JWT_JWKS_URL === '' ? undefined : jwksLocation(vars.JWT_JWKS_URL),
  };
}
