/**
 * End to end: the job routes — `Prefer: wait`, idempotency keys, listing,
 * cancelling, the privacy of a job to its submitter, and its result file.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { JOB_KEYS, call, expectError, makeToken, stackEnv, waitForJob, type Job } from './support/client.js';
import { SALES_COLUMNS, SALES_ROWS } from './support/sales.js';

const env = stackEnv();
const STATS = { input: 'e2e/sales.csv', columns: ['amount', 'qty'] };

/** One page of `GET /jobs`. */
interface JobPage {
  readonly jobs: Job[];
  readonly next_cursor: string | null;
}

describe('Prefer: wait', () => {
  test('answers 200 with the finished job when it ends within the wait', async () => {
    const token = await makeToken(env.secret, { sub: 'patient' });
    const res = await call(env.url, 'POST', '/compute/stats', {
      token,
      body: STATS,
      headers: { prefer: 'wait=25' },
    });
    expect(res.status).toBe(200);
    const job = res.body as Job;
    expect(Object.keys(job).sort()).toEqual([...JOB_KEYS]);
    expect(job).toMatchObject({
      status: 'succeeded',
      submitted_by: 'patient',
      rows_in: 5,
      rows_out: 2,
      error: null,
    });
  });
});

describe('Idempotency-Key', () => {
  test('answers a repeat of the same user as the first time, marked replayed; another user gets a new job', async () => {
    const key = randomUUID();
    const alice = await makeToken(env.secret, { sub: 'idem-alice' });
    const bob = await makeToken(env.secret, { sub: 'idem-bob' });
    const headers = { 'idempotency-key': key };
    const first = await call(env.url, 'POST', '/compute/stats', { token: alice, body: STATS, headers });
    expect(first.status).toBe(202);
    const again = await call(env.url, 'POST', '/compute/stats', { token: alice, body: STATS, headers });
    expect(again.status).toBe(202);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((again.body as Job).job_id).toBe((first.body as Job).job_id);
    const reused = await call(env.url, 'POST', '/compute/stats', {
      token: alice,
      body: { ...STATS, output_format: 'json' },
      headers,
    });
    expectError(reused, 422, 'idempotency_key_reused');
    const other = await call(env.url, 'POST', '/compute/stats', { token: bob, body: STATS, headers });
    expect(other.status).toBe(202);
    expect((other.body as Job).job_id).not.toBe((first.body as Job).job_id);
  });
});

describe('privacy', () => {
  test("answers 404 to another user's job, exactly as to an unknown id", async () => {
    const owner = await makeToken(env.secret, { sub: 'owner' });
    const stranger = await makeToken(env.secret, { sub: 'stranger' });
    const res = await call(env.url, 'POST', '/compute/stats', { token: owner, body: STATS });
    const id = (res.body as Job).job_id;
    const theirs = await call(env.url, 'GET', `/jobs/${id}`, { token: stranger });
    const unknown = await call(env.url, 'GET', `/jobs/${randomUUID().replaceAll('-', '')}`, {
      token: stranger,
    });
    expectError(theirs, 404, (unknown.body as { error: { code: string } }).error.code);
    expect(unknown.status).toBe(404);
    expectError(await call(env.url, 'DELETE', `/jobs/${id}`, { token: stranger }), 404, 'not_found');
    const list = await call(env.url, 'GET', '/jobs', { token: stranger });
    expect((list.body as JobPage).jobs.map((j) => j.job_id)).not.toContain(id);
    expect((await call(env.url, 'GET', `/jobs/${id}`, { token: owner })).status).toBe(200);
  });
});

describe('GET /jobs', () => {
  test("lists only the caller's jobs, newest first, page by page, and filters by status", async () => {
    const token = await makeToken(env.secret, { sub: `lister-${randomUUID()}` });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(env.url, 'POST', '/compute/stats', { token, body: STATS });
      ids.push((res.body as Job).job_id);
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(ids.map((id) => waitForJob(env.url, token, id)));
    const seen: string[] = [];
    let route = '/jobs?limit=2';
    for (let page = 0; page < 5; page++) {
      const res = await call(env.url, 'GET', route, { token });
      expect(res.status).toBe(200);
      const body = res.body as JobPage;
      expect(body.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...body.jobs.map((j) => j.job_id));
      if (!body.next_cursor) break;
      route = `/jobs?limit=2&cursor=${encodeURIComponent(body.next_cursor)}`;
    }
    expect(seen).toEqual([...ids].reverse());
    const succeeded = await call(env.url, 'GET', '/jobs?status=succeeded', { token });
    expect((succeeded.body as JobPage).jobs.every((j) => j.status === 'succeeded')).toBe(true);
    expect((succeeded.body as JobPage).jobs).toHaveLength(3);
    const failed = await call(env.url, 'GET', '/jobs?status=failed', { token });
    expect((failed.body as JobPage).jobs).toEqual([]);
  });

  test.each(['/jobs?limit=0', '/jobs?limit=abc', '/jobs?status=done', '/jobs?cursor=%00bad'])(
    'answers 400 to %s',
    async (route) => {
      const token = await makeToken(env.secret);
      expectError(await call(env.url, 'GET', route, { token }), 400, 'invalid_request');
    },
  );
});

describe('DELETE /jobs/{id}', () => {
  test('answers 409 when the job has already ended, and leaves it as it was', async () => {
    const token = await makeToken(env.secret, { sub: 'canceller' });
    const res = await call(env.url, 'POST', '/compute/stats', {
      token,
      body: STATS,
      headers: { prefer: 'wait=25' },
    });
    const id = (res.body as Job).job_id;
    expect((res.body as Job).status).toBe('succeeded');
    expectError(await call(env.url, 'DELETE', `/jobs/${id}`, { token }), 409, 'conflict');
    expect(((await call(env.url, 'GET', `/jobs/${id}`, { token })).body as Job).status).toBe('succeeded');
  });
});

describe('GET /jobs/{id}/result', () => {
  test('answers the result file of a finished job, byte for byte, to its submitter only', async () => {
    const token = await makeToken(env.secret, { sub: 'result-reader' });
    const submitted = await call(env.url, 'POST', '/compute/stats', { token, body: STATS });
    expect(submitted.status).toBe(202);
    const id = (submitted.body as Job).job_id;
    const job = await waitForJob(env.url, token, id);
    expect(job.status).toBe('succeeded');
    const res = await call(env.url, 'GET', `/jobs/${id}/result`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="${path.basename(job.output)}"`,
    );
    expect(Buffer.from(res.text).equals(await readFile(path.join(env.root, job.output)))).toBe(true);
    const stranger = await makeToken(env.secret, { sub: 'result-stranger' });
    expectError(await call(env.url, 'GET', `/jobs/${id}/result`, { token: stranger }), 404, 'not_found');
  });

  test('answers a parquet result as its bytes through the base64 of the gateway', async () => {
    const token = await makeToken(env.secret, { sub: 'result-reader' });
    const submitted = await call(env.url, 'POST', '/compute/stats', {
      token,
      body: { ...STATS, output_format: 'parquet' },
      headers: { prefer: 'wait=25' },
    });
    const job = submitted.body as Job;
    expect(job.status).toBe('succeeded');
    const res = await fetch(`${env.url}/jobs/${job.job_id}/result`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(await readFile(path.join(env.root, job.output)))).toBe(true);
  });

  test('answers 409 job_not_finished while the job waits', async () => {
    const token = await makeToken(env.secret, { sub: 'result-early' });
    const submitted = await call(env.url, 'POST', '/compute/stats', { token, body: STATS });
    const id = (submitted.body as Job).job_id;
    const res = await call(env.url, 'GET', `/jobs/${id}/result`, { token });
    // The worker may be quick: either it has not finished, or the result is there.
    if (res.status !== 200) expectError(res, 409, 'job_not_finished');
  });
});

describe('GET /jobs/{id}/result?limit=N', () => {
  // non_null keeps every row of the sales in input order: the first three rows are the input's.
  const FIRST_ROWS = SALES_ROWS.slice(0, 3).map((row) => SALES_COLUMNS.map((c) => row[c]));

  test.each(['csv', 'json', 'ndjson', 'parquet', 'xml'] as const)(
    'answers the first rows of a %s result as one JSON table',
    async (format) => {
      const token = await makeToken(env.secret, { sub: 'result-previewer' });
      const submitted = await call(env.url, 'POST', '/compute/non_null', {
        token,
        body: { input: 'e2e/sales.csv', columns: ['region'], output_format: format },
      });
      expect(submitted.status).toBe(202);
      const id = (submitted.body as Job).job_id;
      expect((await waitForJob(env.url, token, id)).status).toBe('succeeded');
      const res = await call(env.url, 'GET', `/jobs/${id}/result?limit=3`, { token });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('content-disposition')).toBeNull();
      expect(res.body).toEqual({ columns: [...SALES_COLUMNS], rows: FIRST_ROWS });
    },
  );

  test('refuses a limit out of 1–1000, a repeated one and any other parameter with 400', async () => {
    const token = await makeToken(env.secret, { sub: 'result-previewer' });
    const submitted = await call(env.url, 'POST', '/compute/stats', {
      token,
      body: STATS,
      headers: { prefer: 'wait=25' },
    });
    const id = (submitted.body as Job).job_id;
    for (const query of ['limit=0', 'limit=1001', 'limit=x', 'limit=2&limit=3', 'offset=1']) {
      expectError(
        await call(env.url, 'GET', `/jobs/${id}/result?${query}`, { token }),
        400,
        'invalid_request',
      );
    }
    const stranger = await makeToken(env.secret, { sub: 'result-stranger' });
    expectError(
      await call(env.url, 'GET', `/jobs/${id}/result?limit=3`, { token: stranger }),
      404,
      'not_found',
    );
  });
});
