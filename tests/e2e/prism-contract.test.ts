/**
 * End to end through Prism's validating proxy (`prism proxy docs/openapi.yaml
 * <stack> --errors=false`), on a stack of its own with a per-user limit of 3:
 * every answer, success or refusal, must be one the contract describes
 * (status, headers, body), and so must every well-formed request, in each of
 * the three forms of the token. A request the service refuses for a reason the
 * contract can state (a duplicate column, a `limit` of 0, no token on a route
 * without a body) must be flagged by Prism too. Any other `sl-violations`
 * header fails the test, and is printed. The Ajv checks of `call()` run beside.
 */
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { OPERATIONS, type Operation } from '../../lib/compute-request.js';
import { putDemoDataSet } from '../../lib/local/demo-data.js';
import { Storage } from '../../lib/storage/storage.js';
import {
  call,
  expectError,
  makeToken,
  type ApiResponse,
  type CallOptions,
  type Job,
} from './support/client.js';
import { startPrism, violationsOf, type PrismProxy } from './support/prism.js';
import { REPO_ROOT, spawnStack, type StackProcess } from './support/stack-process.js';
import { prepareStorage, UNKNOWN_FORMAT_FILE, type StorageLayout } from './support/storage-layout.js';

const SECRET = 'prism-contract-suite-secret-0123456789';
const PER_USER_LIMIT = 3;
let layout: StorageLayout;
let stack: StackProcess | undefined;
let prism: PrismProxy | undefined;

beforeAll(async () => {
  layout = await prepareStorage();
  await putDemoDataSet(new Storage(layout.root));
  // A Parquet file that is not one: its footer cannot be read before queuing (422 parse_error).
  await writeFile(path.join(layout.root, 'demo/broken.parquet'), 'not a parquet file at all\n');
  stack = await spawnStack({
    root: layout.root,
    jwtSecret: SECRET,
    env: { MAX_QUEUED_JOBS_PER_USER: String(PER_USER_LIMIT) },
  });
  prism = await startPrism(stack.url);
}, 120_000);

afterAll(async () => {
  await prism?.stop();
  await stack?.stop();
  if (layout) await rm(layout.base, { recursive: true, force: true });
});

/** Options of {@link send}: those of `call()`, and what Prism must find wrong with the request. */
interface SendOptions extends CallOptions {
  /** Matches `<location> <message>` of a request violation Prism must report; none may be reported without it. */
  readonly flagged?: RegExp;
}

/**
 * Sends a request through Prism (and the Ajv check of `call()`), and fails on
 * any violation of the answer, on a violation of a request that should have
 * none, or when an expected request violation is missing.
 */
async function send(method: string, route: string, options: SendOptions = {}): Promise<ApiResponse> {
  const res = await call(prism!.url, method, route, options);
  const violations = violationsOf(res.headers);
  const ofRequest = violations
    .filter((v) => v.location[0] === 'request')
    .map((v) => `${v.location.join('.')} ${v.message}`);
  const unexpected = violations.filter((v) => v.location[0] !== 'request' || options.flagged === undefined);
  const missing = options.flagged !== undefined && !ofRequest.some((v) => options.flagged!.test(v));
  if (unexpected.length > 0 || missing) {
    throw new Error(
      `${method} ${route} → ${res.status}: ${missing ? `no request violation matching ${String(options.flagged)}; ` : ''}` +
        `sl-violations: ${JSON.stringify(violations, null, 1)}\n${res.text.slice(0, 300)}`,
    );
  }
  return res;
}

type AuthForm = 'bearer' | 'bare' | 'body';
const AUTH_FORMS: readonly AuthForm[] = ['bearer', 'bare', 'body'];

/** The request options carrying `token` in one of the three forms the service accepts. */
function withToken(form: AuthForm, token: string, body?: Record<string, unknown>): CallOptions {
  if (form === 'body') return { body: { ...body, Authorization: token } };
  const authorization = form === 'bearer' ? `Bearer ${token}` : token;
  return { headers: { authorization }, ...(body !== undefined && { body }) };
}

const token = (sub: string): Promise<string> => makeToken(SECRET, { sub });

const spec = parse(readFileSync(path.join(REPO_ROOT, 'docs/openapi.yaml'), 'utf8')) as {
  paths: Record<string, { post?: { requestBody: { content: Record<string, { examples: object }> } } }>;
};
/** The contract's example bodies of an operation. */
const examplesOf = (op: Operation): Record<string, unknown>[] =>
  Object.values(
    spec.paths[`/compute/${op}`]!.post!.requestBody.content['application/json']!.examples as Record<
      string,
      { value: Record<string, unknown> }
    >,
  ).map((e) => e.value);

/** Jobs that succeeded in the examples test, for the result and list tests. */
const succeeded: Job[] = [];

test('GET /health answers 200 to each header form of the token, and 401 (flagged) without one', async () => {
  const jwt = await token('alice');
  for (const form of ['bearer', 'bare'] as const) {
    expect((await send('GET', '/health', withToken(form, jwt))).status).toBe(200);
  }
  expectError(await send('GET', '/health', { flagged: /security|authoriz/i }), 401, 'unauthorized');
});

test.each(OPERATIONS)(
  "the contract's examples of %s run on the demo data, with each form of the token and Prefer: wait",
  async (op) => {
    const examples = examplesOf(op);
    const answers = await Promise.all(
      AUTH_FORMS.map(async (form, i) => {
        const options = withToken(form, await token(`${op}-${form}`), examples[i % examples.length]);
        return send('POST', `/compute/${op}`, {
          ...options,
          headers: { ...options.headers, prefer: 'wait=20' },
        });
      }),
    );
    for (const res of answers) {
      expect({ status: res.status, job: (res.body as Job).status }).toEqual({
        status: 200,
        job: 'succeeded',
      });
      expect(res.headers.get('location')).toBe(`/jobs/${(res.body as Job).job_id}`);
      expect(res.headers.get('preference-applied')).toBe('wait=20');
      succeeded.push(res.body as Job);
    }
  },
);

test('a replayed Idempotency-Key answers as the first time; with another body it is 422 idempotency_key_reused', async () => {
  const jwt = await token('replayer');
  const body = examplesOf('stats')[0]!;
  const key = { 'idempotency-key': `prism-${Date.now()}` };
  const first = await send('POST', '/compute/stats', { token: jwt, body, headers: key });
  const again = await send('POST', '/compute/stats', { token: jwt, body, headers: key });
  expect(first.status).toBe(202);
  expect({ status: again.status, replayed: again.headers.get('idempotent-replayed') }).toEqual({
    status: 202,
    replayed: 'true',
  });
  expect(again.headers.get('location')).toBe(first.headers.get('location'));
  const other = { ...body, columns: ['quantity'] };
  expectError(
    await send('POST', '/compute/stats', { token: jwt, body: other, headers: key }),
    422,
    'idempotency_key_reused',
  );
});

test('jobs are listed by pages, read, their results fetched and ended jobs not cancelled', async () => {
  const sub = 'group_by-bearer';
  const jwt = await token(sub);
  const first = await send('GET', '/jobs?limit=1', { token: jwt });
  const page = first.body as { jobs: Job[]; next_cursor: string | null };
  expect(page.jobs).toHaveLength(1);
  const mine = succeeded.find((j) => j.submitted_by === sub)!;
  expect((await send('GET', `/jobs?status=succeeded&limit=100`, { token: jwt })).status).toBe(200);
  if (page.next_cursor !== null) {
    const cursor = encodeURIComponent(page.next_cursor);
    expect((await send('GET', `/jobs?limit=1&cursor=${cursor}`, { token: jwt })).status).toBe(200);
  }
  expect((await send('GET', `/jobs/${mine.job_id}`, { token: jwt })).body).toMatchObject({
    job_id: mine.job_id,
  });
  for (const job of succeeded) {
    const res = await send('GET', `/jobs/${job.job_id}/result`, { token: await token(job.submitted_by) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
  }
  const preview = await send('GET', `/jobs/${mine.job_id}/result?limit=2`, { token: jwt });
  expect((preview.body as { rows: unknown[] }).rows).toHaveLength(2);
  expectError(
    await send('GET', `/jobs/${mine.job_id}/result?limit=0`, { token: jwt, flagged: /limit/ }),
    400,
    'invalid_request',
  );
  expectError(await send('DELETE', `/jobs/${mine.job_id}`, { token: jwt }), 409, 'conflict');
  expectError(await send('GET', '/jobs/00000000000000000000', { token: jwt }), 404, 'not_found');
});

test('refusals the contract can state are flagged by Prism, and every refusal is answered as documented', async () => {
  const jwt = await token('refused');
  const stats = (body: unknown, options: SendOptions = {}): Promise<ApiResponse> =>
    send('POST', '/compute/stats', { token: jwt, body, ...options });
  const good = { input: 'demo/sales.csv', columns: ['quantity'] };
  const forged = await makeToken('another-secret-another-secret-xx');
  const cases: [() => Promise<ApiResponse>, number, string][] = [
    [
      () =>
        stats({ ...good, columns: ['quantity', 'quantity'] }, { flagged: /columns.*(unique|duplicate)/i }),
      400,
      'invalid_request',
    ],
    [() => stats({ ...good, verbose: true }, { flagged: /additional/i }), 400, 'invalid_request'],
    [
      () => stats(good, { headers: { 'idempotency-key': 'a b' }, flagged: /idempotency-key/i }),
      400,
      'invalid_request',
    ],
    [
      () => stats(good, { headers: { 'idempotency-key': 'k'.repeat(256) }, flagged: /idempotency-key/i }),
      400,
      'invalid_request',
    ],
    [() => stats({ ...good, input: '../outside.csv' }), 400, 'invalid_path'],
    [() => send('GET', '/jobs?limit=0', { token: jwt, flagged: /limit/ }), 400, 'invalid_request'],
    [() => send('GET', '/jobs?limit=101', { token: jwt, flagged: /limit/ }), 400, 'invalid_request'],
    [() => send('GET', '/jobs?limit=2.5', { token: jwt, flagged: /limit/ }), 400, 'invalid_request'],
    [() => send('GET', '/jobs', { flagged: /security|authoriz/i }), 401, 'unauthorized'],
    // No token in the header may still come in the body: the contract cannot tell, the service can.
    [() => send('POST', '/compute/stats', { body: good }), 401, 'unauthorized'],
    [() => send('GET', '/jobs', { token: forged }), 401, 'unauthorized'],
    [() => stats({ ...good, input: 'demo/nope.csv' }), 404, 'input_not_found'],
    [() => stats({ ...good, output: 'demo/sales.json' }), 409, 'output_exists'],
    [() => stats({ ...good, input: 'x'.repeat(70_000) }), 413, 'payload_too_large'],
    [
      () =>
        stats(JSON.stringify(good), { headers: { 'content-type': 'text/plain' }, flagged: /content|media/i }),
      415,
      'unsupported_media_type',
    ],
    [() => stats({ ...good, input: UNKNOWN_FORMAT_FILE }), 415, 'unsupported_format'],
    [() => stats({ ...good, columns: ['nope'] }), 422, 'unknown_column'],
    [() => stats({ input: 'demo/broken.parquet', columns: ['quantity'] }), 422, 'parse_error'],
  ];
  for (const [request, status, code] of cases) expectError(await request(), status, code);
});

test('past the per-user limit a submission is 429 with Retry-After, and a queued job can be cancelled', async () => {
  const jwt = await token('flooder');
  const body = { input: 'demo/sales.parquet', columns: ['quantity'] };
  const answers = await Promise.all(
    Array.from({ length: PER_USER_LIMIT + 4 }, () => send('POST', '/compute/stats', { token: jwt, body })),
  );
  const refused = answers.filter((r) => r.status === 429);
  expect(refused.length).toBeGreaterThan(0);
  for (const res of refused) {
    expectError(res, 429, 'too_many_requests');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  }
  for (const res of answers.filter((r) => r.status === 202)) {
    const cancel = await send('DELETE', `/jobs/${(res.body as Job).job_id}`, { token: jwt });
    expect([200, 409]).toContain(cancel.status);
  }
});
