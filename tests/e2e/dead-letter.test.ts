/**
 * End to end: a worker failure that no retry can fix. The output folder is a
 * regular file on the storage (a real fault, found only when the worker
 * writes), so every delivery fails unexpectedly; on the third delivery
 * (MAX_RECEIVE_COUNT) the worker marks the job `failed` with its reason, and
 * SQS moves the message to the DLQ. The DLQ is consumed by the dead-letter
 * function (it used to keep the message for someone to look at): it finds the
 * job already ended and leaves its reason as it is.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { call, makeToken, stackEnv, waitForJob, type Job } from './support/client.js';
import { BLOCKER_FILE } from './support/storage-layout.js';

const env = stackEnv();

/** Messages on a queue of the stack, visible or being handled. */
async function depth(client: SQSClient, queue: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: `${env.sqsEndpoint}/000000000000/${queue}`,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Both queues' depths, once both are empty or `timeoutMs` passed. */
async function depthsOnceDrained(client: SQSClient, timeoutMs: number): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const depths = {
      'compute-jobs': await depth(client, 'compute-jobs'),
      'compute-jobs-dlq': await depth(client, 'compute-jobs-dlq'),
    };
    if (Object.values(depths).every((d) => d === 0) || Date.now() > deadline) return depths;
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('retries an unexpected worker failure, then fails the job with its reason; the dead-letter function keeps it', async () => {
  const token = await makeToken(env.secret, { sub: 'unlucky' });
  const res = await call(env.url, 'POST', '/compute/stats', {
    token,
    body: { input: 'e2e/sales.csv', columns: ['amount'], output: `${BLOCKER_FILE}/out.csv` },
  });
  expect(res.status).toBe(202);
  const id = (res.body as Job).job_id;

  const job = await waitForJob(env.url, token, id, ['succeeded', 'failed', 'cancelled'], 30_000);
  expect(job.status).toBe('failed');
  expect(job.attempts).toBe(3);
  expect(['storage_error', 'internal_error']).toContain(job.error?.code);
  expect(job.error?.message).not.toContain(env.base);

  const client = new SQSClient({
    endpoint: env.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    // The failed last delivery leaves the message on compute-jobs until SQS moves it to the DLQ (at its
    // next receive, after the 1 s visibility timeout); the dead-letter function then consumes it there.
    expect(await depthsOnceDrained(client, 20_000)).toEqual({ 'compute-jobs': 0, 'compute-jobs-dlq': 0 });
  } finally {
    client.destroy();
  }
  const after = await call(env.url, 'GET', `/jobs/${id}`, { token });
  expect((after.body as Job).error).toEqual(job.error);
});
