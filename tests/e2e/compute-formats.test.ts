/**
 * End to end: every operation on every input format, and every output
 * format, through HTTP, SQS and the worker; each result file is read back
 * from the storage with an independent parser and compared with the answer.
 */
import path from 'node:path';
import { ACCEPTED_KEYS, call, makeToken, stackEnv, waitForJob, type Job } from './support/client.js';
import { differences, readOutput } from './support/outputs.js';
import { CSV_WITHOUT_EXTENSION } from './support/storage-layout.js';
import { CASES, INPUT_FORMATS, SALES_ROWS, defaultOutput, type Case } from './support/sales.js';

const env = stackEnv();

interface Submitted {
  readonly job: Job;
  readonly expected: Case;
}

async function submit(token: string, operation: string, body: Record<string, unknown>): Promise<Job> {
  const res = await call(env.url, 'POST', `/compute/${operation}`, { token, body });
  if (res.status !== 202) throw new Error(`submission answered ${res.status}: ${res.text}`);
  const accepted = res.body as Job & { links: { self: string } };
  expect(Object.keys(accepted).sort()).toEqual([...ACCEPTED_KEYS]);
  expect(accepted.status).toBe('queued');
  expect(res.headers.get('location')).toBe(`/jobs/${accepted.job_id}`);
  expect(accepted.links).toEqual({ self: `/jobs/${accepted.job_id}` });
  return accepted;
}

async function expectResult(token: string, submitted: Submitted): Promise<void> {
  const job = await waitForJob(env.url, token, submitted.job.job_id);
  const label = `${submitted.expected.operation} on ${job.input} → ${job.output_format}`;
  expect({ label, status: job.status, error: job.error }).toEqual({
    label,
    status: 'succeeded',
    error: null,
  });
  expect({ label, rows_in: job.rows_in, rows_out: job.rows_out }).toEqual({
    label,
    rows_in: SALES_ROWS.length,
    rows_out: submitted.expected.rows.length,
  });
  const table = await readOutput(path.join(env.root, job.output), job.output_format);
  expect({
    label,
    problems: differences(table, job.output_format, submitted.expected.columns, submitted.expected.rows),
  }).toEqual({
    label,
    problems: [],
  });
}

test('runs every operation on every input format and writes the exact result in the default format', async () => {
  const token = await makeToken(env.secret, { sub: 'formats' });
  const submitted: Submitted[] = [];
  for (const format of INPUT_FORMATS) {
    for (const expected of CASES) {
      const input = `e2e/sales.${format}`;
      const job = await submit(token, expected.operation, { input, ...expected.params });
      expect(job).toMatchObject({
        operation: expected.operation,
        input,
        output_format: defaultOutput(format),
        output: `results/${job.job_id}.${defaultOutput(format)}`,
        submitted_by: 'formats',
      });
      submitted.push({ job, expected });
    }
  }
  await Promise.all(submitted.map((s) => expectResult(token, s)));
});

test('writes every output format on request, to the requested output path', async () => {
  const token = await makeToken(env.secret, { sub: 'writers' });
  const submitted: Submitted[] = [];
  for (const outputFormat of ['csv', 'json', 'ndjson', 'xml', 'parquet'] as const) {
    for (const expected of CASES) {
      const output = `out/writers/${expected.operation}.${outputFormat}`;
      const job = await submit(token, expected.operation, {
        input: 'e2e/sales.parquet',
        output_format: outputFormat,
        output,
        ...expected.params,
      });
      expect(job).toMatchObject({ output, output_format: outputFormat });
      submitted.push({ job, expected });
    }
  }
  await Promise.all(submitted.map((s) => expectResult(token, s)));
});

test('reads a file whose extension is overridden by an explicit format', async () => {
  const token = await makeToken(env.secret, { sub: 'override' });
  const expected = CASES.find((c) => c.operation === 'stats');
  if (!expected) throw new Error('no stats case');
  const job = await submit(token, 'stats', {
    input: CSV_WITHOUT_EXTENSION,
    format: 'csv',
    ...expected.params,
  });
  expect(job.output_format).toBe('csv');
  await expectResult(token, { job, expected });
});
