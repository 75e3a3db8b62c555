/**
 * HTTP client and token helpers of the end-to-end tests.
 *
 * @module
 */
import { SignJWT } from 'jose';
import { isJsonMediaType } from '../../../lib/http/middlewares.js';
import { contractProblems } from './contract.js';

/** Coordinates of the shared stack, set by global-setup.ts. */
export interface StackEnv {
  readonly url: string;
  readonly root: string;
  readonly base: string;
  readonly sqsEndpoint: string;
  readonly secret: string;
}

/** Reads the shared stack's coordinates; throws when the e2e global setup did not run. */
export function stackEnv(): StackEnv {
  const { E2E_URL, E2E_ROOT, E2E_BASE, E2E_SQS_ENDPOINT, E2E_JWT_SECRET } = process.env;
  if (!E2E_URL || !E2E_ROOT || !E2E_BASE || !E2E_SQS_ENDPOINT || !E2E_JWT_SECRET) {
    throw new Error('the e2e global setup did not run (run through the jest e2e project)');
  }
  return {
    url: E2E_URL,
    root: E2E_ROOT,
    base: E2E_BASE,
    sqsEndpoint: E2E_SQS_ENDPOINT,
    secret: E2E_JWT_SECRET,
  };
}

/** Options of {@link makeToken}. */
export interface TokenOptions {
  /** Subject; omitted from the token when `null`. */
  readonly sub?: string | null;
  /** Signing secret; the stack's by default. */
  readonly secret?: string;
  readonly alg?: 'HS256' | 'HS384' | 'HS512';
  /** Expiry as a jose time span (`'10m'`) or epoch seconds; none when `null`. */
  readonly exp?: string | number | null;
  /** Issued-at, epoch seconds; now by default. */
  readonly iat?: number;
}

/**
 * Signs a JWT the way the company's SAML service does (HS256, `sub`, `exp`).
 *
 * @param secret - the stack's secret (used when `options.secret` is absent)
 */
export async function makeToken(secret: string, options: TokenOptions = {}): Promise<string> {
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setIssuedAt(options.iat);
  const sub = options.sub === undefined ? 'alice' : options.sub;
  if (sub !== null) jwt = jwt.setSubject(sub);
  const exp = options.exp === undefined ? '10m' : options.exp;
  if (exp !== null) jwt = jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(options.secret ?? secret));
}

/** A response, its body parsed as JSON when it is JSON. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

/** Options of {@link call}. */
export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>` unless `headers.authorization` is given. */
  readonly token?: string;
  /** JSON-encoded unless a string. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Calls the API.
 *
 * @param base - the stack URL
 * @param method - HTTP method
 * @param route - path and query, e.g. `/jobs?limit=2`
 */
export async function call(
  base: string,
  method: string,
  route: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
    headers.authorization = `Bearer ${options.token}`;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${route}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  // JSON is `application/json` or `application/…+json`; `application/x-ndjson` (a result file) is text.
  if (isJsonMediaType(response.headers.get('content-type') ?? '') && text.length > 0)
    parsed = JSON.parse(text);
  // Every response must be one the contract (docs/openapi.yaml) describes.
  const problems = contractProblems(
    method,
    route,
    response.status,
    parsed,
    response.headers.get('content-type') ?? '',
  );
  if (problems.length > 0) {
    throw new Error(
      `${method} ${route} → ${response.status} breaks the API contract: ${problems.join('; ')}\n${text.slice(0, 500)}`,
    );
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** The error body every failure returns: `{"error":{"code","message","details"?}}`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

/** Asserts (with jest's expect) that `response` is an error of `status` and `code`, with the exact error shape. */
export function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { error: { code } },
  });
  const body = response.body as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(['error']);
  expect(Object.keys(body.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(typeof body.error.message).toBe('string');
  // Nothing internal ever leaks: no stack frames, no host paths of the storage.
  expect(response.text).not.toMatch(/\bat .+\(.*:\d+:\d+\)|node_modules|\/tmp\/dataframe-jobs-e2e/);
}

/** Job document fields, as documented for `GET /jobs/{id}`. */
export const JOB_KEYS = [
  'attempts',
  'duration_ms',
  'error',
  'finished_at',
  'input',
  'job_id',
  'operation',
  'output',
  'output_format',
  'progress',
  'rows_in',
  'rows_out',
  'started_at',
  'status',
  'submitted_at',
  'submitted_by',
] as const;

/** Fields of the 202 body of `POST /compute/<operation>`. */
export const ACCEPTED_KEYS = [
  'input',
  'job_id',
  'links',
  'operation',
  'output',
  'output_format',
  'status',
  'submitted_at',
  'submitted_by',
] as const;

/** A job as `GET /jobs/{id}` returns it. */
export interface Job {
  readonly job_id: string;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  readonly operation: string;
  readonly input: string;
  readonly output: string;
  readonly output_format: string;
  readonly submitted_by: string;
  readonly attempts: number;
  readonly progress?: number | null;
  readonly rows_in: number | null;
  readonly rows_out: number | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/**
 * Polls `GET /jobs/{id}` until the job is in one of `statuses`.
 *
 * @throws Error with the last job document when `timeoutMs` passes
 */
export async function waitForJob(
  base: string,
  token: string,
  id: string,
  statuses: readonly Job['status'][] = ['succeeded', 'failed', 'cancelled'],
  timeoutMs = 20_000,
): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await call(base, 'GET', `/jobs/${id}`, { token });
    last = res.body;
    if (res.status === 200 && statuses.includes((res.body as Job).status)) return res.body as Job;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`job ${id} not in ${statuses.join('/')} after ${timeoutMs} ms: ${JSON.stringify(last)}`);
}
