/**
 * The local SQS machinery against a real in-process fauxqs (loopback, port 0,
 * in memory), with a fake worker function.
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { SqsEventSource } from '../../lib/local/event-source.js';
import type { Invoker } from '../../lib/local/invoker.js';
import type { LocalLogger } from '../../lib/local/local-log.js';
import { ensureQueues, type QueueRefs } from '../../lib/local/queues.js';
import { startLocalSqs, type LocalSqs } from '../../lib/local/sqs-server.js';

const quiet: LocalLogger = () => undefined;
let sqs: LocalSqs;
let client: SQSClient;
let queues: QueueRefs;

beforeAll(async () => {
  sqs = await startLocalSqs({ port: 0, region: 'us-east-1' });
  client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  queues = await ensureQueues(client, { endpoint: sqs.endpoint, visibilityTimeout: 1, maxReceiveCount: 3 });
});

afterAll(async () => {
  client.destroy();
  await sqs.stop();
});

async function send(body: string): Promise<void> {
  await client.send(new SendMessageCommand({ QueueUrl: queues.jobsUrl, MessageBody: body }));
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function source(invoke: Invoker, concurrency = 2): SqsEventSource {
  return new SqsEventSource({
    client,
    queueUrl: queues.jobsUrl,
    queueArn: queues.jobsArn,
    region: 'us-east-1',
    invoke,
    concurrency,
    batchSize: 10,
    visibilityTimeout: 1,
    waitTimeSeconds: 1,
    log: quiet,
  });
}

test('the SQS server listens on 127.0.0.1 only', () => {
  expect(new URL(sqs.endpoint).hostname).toBe('127.0.0.1');
});

test('the queues carry the redrive policy to the dead-letter queue', () => {
  expect(queues.jobsUrl).toBe(`${sqs.endpoint}/000000000000/compute-jobs`);
  expect(queues.deadLetterArn).toBe('arn:aws:sqs:us-east-1:000000000000:compute-jobs-dlq');
});

test('ensureQueues is idempotent and applies a changed visibility timeout', async () => {
  const again = await ensureQueues(client, {
    endpoint: sqs.endpoint,
    visibilityTimeout: 1,
    maxReceiveCount: 3,
  });
  expect(again).toEqual(queues);
});

test('invokes the function with SQS events, redelivers reported failures and dead-letters them after 3 deliveries', async () => {
  const deliveries = new Map<string, string[]>();
  const invoke: Invoker = async (event) => {
    const records = (event as SQSEvent).Records;
    for (const r of records) {
      const list = deliveries.get(r.body) ?? [];
      list.push(r.attributes.ApproximateReceiveCount);
      deliveries.set(r.body, list);
    }
    const failures = records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId }));
    return { ok: true, payload: { batchItemFailures: failures } };
  };
  const events = source(invoke);
  events.start();
  try {
    await send('good');
    await send('bad');
    await until(() => (deliveries.get('bad')?.length ?? 0) >= 3, 10_000);
    const dead = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.deadLetterUrl,
        WaitTimeSeconds: 5,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['bad']);
  } finally {
    await events.stop();
  }
  expect(deliveries.get('good')).toEqual(['1']);
  expect(deliveries.get('bad')).toEqual(['1', '2', '3']);
});

test('redelivers the whole batch when the invocation itself fails', async () => {
  let calls = 0;
  const invoke: Invoker = async () => {
    calls += 1;
    return calls === 1 ? { ok: false, error: 'function error: boom' } : { ok: true, payload: null };
  };
  const events = source(invoke, 1);
  events.start();
  try {
    await send('retry-me');
    await until(() => events.stats.succeeded === 1, 10_000);
  } finally {
    await events.stop();
  }
  expect(calls).toBe(2);
  expect(events.stats.failed).toBe(1);
});

test('does nothing with a concurrency of 0, and stops a long poll at once', async () => {
  let calls = 0;
  const idle = source(async () => {
    calls += 1;
    return { ok: true, payload: null };
  }, 0);
  idle.start();
  await send('parked');
  await new Promise((r) => setTimeout(r, 300));
  await idle.stop();
  expect(calls).toBe(0);

  const polling = source(async () => ({ ok: true, payload: null }), 1);
  polling.start();
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = Date.now();
  await polling.stop();
  expect(Date.now() - t0).toBeLessThan(500);
});

test('refuses a batch size above the SQS maximum of 10', () => {
  expect(
    () =>
      new SqsEventSource({
        client,
        queueUrl: queues.jobsUrl,
        queueArn: queues.jobsArn,
        region: 'us-east-1',
        invoke: async () => ({ ok: true, payload: null }),
        concurrency: 1,
        batchSize: 11,
        visibilityTimeout: 1,
        log: quiet,
      }),
  ).toThrow(RangeError);
});
