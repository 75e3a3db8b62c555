/**
 * Every function's log lines name their invocation (Powertools'
 * `injectLambdaContext`), and every HTTP answer, errors included, carries
 * the security headers of `@middy/http-security-headers`.
 */
import { jest } from '@jest/globals';
import { makeHandlers as makeComputeHandlers } from '../../functions/compute.js';
import { makeHandler as makeHealth } from '../../functions/health.js';
import { makeHandlers } from '../../functions/jobs.js';
import { makeWorker } from '../../functions/worker.js';
import { createLogger } from '../../lib/log/logger.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { testService, tokenFor } from './factories/service.js';
import { sqsEvent, sqsRecord } from './factories/sqs-event.js';

let deps: ServiceDeps;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ deps, cleanup } = await testService());
  // As Lambda sets it for an on-demand instance: Powertools reports no cold start without it.
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  deps = { ...deps, logger: createLogger('INFO') };
});
afterEach(async () => {
  delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  await cleanup();
});

/** The JSON lines the functions print while `run` runs. */
async function logLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const printed: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return printed
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const context = (requestId: string) => ({
  ...lambdaContext(),
  awsRequestId: requestId,
  functionName: 'fn-x',
});

describe('log lines', () => {
  test('of an HTTP function carry the request id, the function name and cold_start, true only at first', async () => {
    const health = makeHealth(() => deps, 0);
    const event = async () =>
      apiEvent('GET /health', { headers: { authorization: `Bearer ${await tokenFor()}` } });
    const first = await event();
    const second = await event();
    const lines = await logLines(async () => {
      await health(first, context('req-a'));
      await health(second, context('req-b'));
    });
    const requests = lines.filter((l) => l.message === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ function_request_id: 'req-a', function_name: 'fn-x', cold_start: true }),
      expect.objectContaining({ function_request_id: 'req-b', function_name: 'fn-x', cold_start: false }),
    ]);
  });

  test("of the worker name the invocation that ran the job, beside the job's own fields", async () => {
    const submitted = await makeComputeHandlers(() => deps, 0).stats(
      apiEvent('POST /compute/stats', {
        headers: { authorization: `Bearer ${await tokenFor()}` },
        body: { input: 'in/sales.csv', columns: ['amount'] },
      }),
      lambdaContext(),
    );
    const id = (JSON.parse(submitted.body!) as { job_id: string }).job_id;
    const lines = await logLines(() =>
      makeWorker(() => deps)(sqsEvent(sqsRecord(JSON.stringify({ job_id: id }))), context('req-w')),
    );
    const jobLines = lines.filter((l) => l.job_id === id);
    expect(jobLines.length).toBeGreaterThan(0);
    for (const line of jobLines) {
      expect(line).toMatchObject({ function_request_id: 'req-w', function_name: 'fn-x' });
    }
  });
});

describe('security headers', () => {
  const expected = {
    'Strict-Transport-Security': expect.stringContaining('max-age='),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': expect.stringContaining("frame-ancestors 'none'"),
  };

  test('are on every answer: a success, a refusal, an unknown job and a bad body', async () => {
    const token = `Bearer ${await tokenFor()}`;
    const answers = [
      await makeHealth(() => deps, 0)(
        apiEvent('GET /health', { headers: { authorization: token } }),
        lambdaContext(),
      ),
      await makeHealth(() => deps, 0)(apiEvent('GET /health'), lambdaContext()),
      await makeHandlers(() => deps, 0).getJob(
        apiEvent('GET /jobs/{id}', { headers: { authorization: token }, pathParameters: { id: 'nope' } }),
        lambdaContext(),
      ),
      await makeComputeHandlers(() => deps, 0).stats(
        apiEvent('POST /compute/stats', { headers: { authorization: token }, rawBody: '{"a":' }),
        lambdaContext(),
      ),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 401, 404, 400]);
    for (const answer of answers) expect(answer.headers).toMatchObject(expected);
  });
});
