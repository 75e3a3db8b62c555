/**
 * End to end: a worker failure that no retry can fix. The output folder is a
 * regular file on the storage (a real fault, found only when the worker
 * writes), so every delivery fails unexpectedly; after MAX_RECEIVE_COUNT (3)
 * deliveries the job is `failed` and SQS moves the message to the DLQ.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { call, makeToken, stackEnv, waitForJob, type Job } from './support/client.js';
import { BLOCKER_FILE } from './support/storage-layout.js';

const env = stackEnv();

async function findInDeadLetterQueue(
  client: SQSClient,
  jobId: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  const queueUrl = `${env.sqsEndpoint}/000000000000/compute-jobs-dlq`;
  while (Date.now() < deadline) {
    // Visibility 0: look without hiding the message from anyone else.
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 1,
      }),
    );
    const hit = (Messages ?? []).find((m) => m.Body?.includes(jobId));
    if (hit?.Body) return hit.Body;
  }
  return undefined;
}

test('retries an unexpected worker failure, then fails the job and dead-letters its message', async () => {
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
    const body = await findInDeadLetterQueue(client, id, 15_000);
    expect(body && JSON.parse(body)).toEqual({ job_id: id });
  } finally {
    client.destroy();
  }
});
