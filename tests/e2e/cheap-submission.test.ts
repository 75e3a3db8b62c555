/**
 * End to end, issue 12 item 5: a submission never reads much of a file
 * inside the HTTP functions (serverless-offline runs them all in one
 * process), and no answer carries an unbounded list. A CSV whose header
 * holds 6,000,000 column names (53 MB) took 9.2 s to answer with a 64.9 MB
 * 422, and stalled another user's `/health` for 8.8 s.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { call, expectError, makeToken, stackEnv, waitForJob, type ErrorBody } from './support/client.js';

const env = stackEnv();
const DIR = 'e2e-cheap';
/** Lambda's response payload limit. */
const LAMBDA_RESPONSE_BYTES = 6 * 1024 * 1024;
let token: string;
let other: string;

/** Writes a CSV header of `columns` names (`c0`, `c1`, …) and one row, in 1 MB writes. */
async function wideCsv(name: string, columns: number): Promise<number> {
  await mkdir(path.join(env.root, DIR), { recursive: true });
  const handle = await open(path.join(env.root, DIR, name), 'w');
  let bytes = 0;
  try {
    let part: string[] = [];
    let size = 0;
    for (let i = 0; i < columns; i++) {
      const field = (i === 0 ? '' : ',') + `c${i}`;
      part.push(field);
      size += field.length;
      if (size >= 1 << 20 || i === columns - 1) {
        await handle.write(part.join(''));
        bytes += size;
        part = [];
        size = 0;
      }
    }
    await handle.write('\n1\n');
  } finally {
    await handle.close();
  }
  return bytes;
}

beforeAll(async () => {
  token = await makeToken(env.secret, { sub: 'wide-header' });
  other = await makeToken(env.secret, { sub: 'bystander' });
});

test('a 53 MB CSV header is answered at once with 202, /health stays fast, and the worker fails the job with parse_error', async () => {
  const headerBytes = await wideCsv('huge-header.csv', 6_000_000);
  expect(headerBytes).toBeGreaterThan(50 * 2 ** 20);
  // Both routes warm (their bundles loaded), so that the figures are the request's own.
  expect((await call(env.url, 'GET', '/health', { token: other })).status).toBe(200);
  await wideCsv('warm.csv', 3);
  const warm = await call(env.url, 'POST', '/compute/stats', {
    token,
    body: { input: `${DIR}/warm.csv`, columns: ['nope'] },
  });
  expectError(warm, 422, 'unknown_column');
  const started = Date.now();
  const submitted = call(env.url, 'POST', '/compute/stats', {
    token,
    body: { input: `${DIR}/huge-header.csv`, columns: ['nope'] },
  }).then((res) => ({ res, ms: Date.now() - started }));
  // Another user's health checks while the submission is in flight.
  const health: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    const res = await call(env.url, 'GET', '/health', { token: other });
    expect(res.status).toBe(200);
    health.push(Date.now() - t);
  }
  const { res, ms } = await submitted;
  process.stdout.write(
    `cheap-submission: 53 MB header answered ${res.status} in ${ms} ms, /health ${health.join(', ')} ms\n`,
  );
  // The header is longer than the inspection bound (1 MiB): its check is the worker's.
  expect(res.status).toBe(202);
  expect(ms).toBeLessThan(3_000);
  expect(Math.max(...health)).toBeLessThan(2_000);
  const job = await waitForJob(env.url, token, (res.body as { job_id: string }).job_id, undefined, 60_000);
  expect(job.status).toBe('failed');
  expect(job.error?.code).toBe('parse_error');
  expect(JSON.stringify(job).length).toBeLessThan(10_000);
});

test('an unknown column among 9,000 names is a 422 listing the first 100 names and the count', async () => {
  await wideCsv('wide.csv', 9_000);
  const res = await call(env.url, 'POST', '/compute/stats', {
    token,
    body: { input: `${DIR}/wide.csv`, columns: ['nope'] },
  });
  expectError(res, 422, 'unknown_column');
  const { details } = (res.body as ErrorBody).error as { details: Record<string, unknown> };
  expect(details).toEqual({
    unknown: ['nope'],
    available: Array.from({ length: 100 }, (_, i) => `c${i}`),
    available_count: 9_000,
  });
  expect(res.text.length).toBeLessThan(LAMBDA_RESPONSE_BYTES);
});
