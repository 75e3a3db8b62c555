import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { freePort } from '../../lib/local/ports.js';
import { LocalQueuesUnavailableError, QueueAdmin } from '../../lib/local/queue-admin.js';
import { ensureQueues, type QueueRefs } from '../../lib/local/queues.js';
import { startLocalSqs, type LocalSqs } from '../../lib/local/sqs-server.js';

// The real local SQS server (fauxqs, in-process, loopback, random port), as `npm start` runs it.
let sqs: LocalSqs;
let client: SQSClient;
let queues: QueueRefs;
const clientAt = (endpoint: string): SQSClient =>
  new SQSClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

beforeAll(async () => {
  sqs = await startLocalSqs({ port: 0, region: 'us-east-1' });
  client = clientAt(sqs.endpoint);
  queues = await ensureQueues(client, { endpoint: sqs.endpoint, visibilityTimeout: 30, maxReceiveCount: 3 });
});
afterAll(async () => {
  client.destroy();
  await sqs.stop();
});

const reasons: Record<string, string> = {
  '0000000001aaaaaaaaaaaa': 'input_not_found: /in/missing.csv does not exist',
  '0000000002aaaaaaaaaaaa': 'worker_crashed: the worker died on each of its 3 deliveries',
};
const reasonOf = (id: string): Promise<string | undefined> => Promise.resolve(reasons[id]);

async function deadLetter(...bodies: string[]): Promise<void> {
  for (const body of bodies) {
    await client.send(new SendMessageCommand({ QueueUrl: queues.deadLetterUrl, MessageBody: body }));
  }
}

async function drain(url: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
}

describe('local queue admin', () => {
  afterEach(async () => {
    const admin = new QueueAdmin(client, sqs.endpoint);
    await admin.purge('jobs');
    await admin.purge('deadLetter');
  });

  test('reports the messages waiting in the job queue and in the dead-letter queue', async () => {
    const admin = new QueueAdmin(client, sqs.endpoint);
    await client.send(new SendMessageCommand({ QueueUrl: queues.jobsUrl, MessageBody: '{"job_id":"a"}' }));
    await deadLetter('{"job_id":"b"}', '{"job_id":"c"}');
    await client.send(new ReceiveMessageCommand({ QueueUrl: queues.deadLetterUrl, VisibilityTimeout: 60 }));
    const [jobs, dlq] = await admin.depth();
    expect(jobs).toEqual({ queue: 'compute-jobs', visible: 1, inFlight: 0, delayed: 0 });
    expect(dlq).toEqual({ queue: 'compute-jobs-dlq', visible: 1, inFlight: 1, delayed: 0 });
  });

  test('peeks at dead-lettered messages with their job ids and reasons, and leaves them in the queue', async () => {
    const admin = new QueueAdmin(client, sqs.endpoint);
    await deadLetter('{"job_id":"0000000001aaaaaaaaaaaa"}', '{"job_id":"0000000002aaaaaaaaaaaa"}', 'garbage');
    await deadLetter('{"job_id":"0000000003aaaaaaaaaaaa"}');
    const letters = await admin.peek(reasonOf);
    expect(letters.map((l) => [l.jobId, l.reason]).sort()).toEqual(
      [
        ['0000000001aaaaaaaaaaaa', reasons['0000000001aaaaaaaaaaaa']],
        ['0000000002aaaaaaaaaaaa', reasons['0000000002aaaaaaaaaaaa']],
        ['0000000003aaaaaaaaaaaa', 'no such job in the job store'],
        [undefined, 'not a job message'],
      ].sort(),
    );
    expect(letters.every((l) => l.receiveCount >= 1)).toBe(true);
    const [, dlq] = await admin.depth();
    expect(dlq).toMatchObject({ visible: 4, inFlight: 0 });
    expect(await admin.peek(reasonOf, 2)).toHaveLength(2);
    expect((await drain(queues.deadLetterUrl)).length).toBe(4);
  });

  test('redrives every dead-lettered message to the job queue, bodies unchanged, and empties the DLQ', async () => {
    const admin = new QueueAdmin(client, sqs.endpoint);
    const bodies = Array.from(
      { length: 23 },
      (_, i) => `{"job_id":"00000000${String(i).padStart(2, '0')}redrive"}`,
    );
    await deadLetter(...bodies);
    expect(await admin.redrive()).toBe(23);
    const [jobs, dlq] = await admin.depth();
    expect(dlq).toMatchObject({ visible: 0, inFlight: 0 });
    expect(jobs).toMatchObject({ visible: 23 });
    expect((await drain(queues.jobsUrl)).sort()).toEqual([...bodies].sort());
  });

  test('purges the queue it is asked to, and only that one', async () => {
    const admin = new QueueAdmin(client, sqs.endpoint);
    await client.send(new SendMessageCommand({ QueueUrl: queues.jobsUrl, MessageBody: '{"job_id":"a"}' }));
    await deadLetter('{"job_id":"b"}');
    await admin.purge('deadLetter');
    const [jobs, dlq] = await admin.depth();
    expect(jobs.visible).toBe(1);
    expect(dlq.visible).toBe(0);
  });

  test('says the local stack is not running when nothing listens on the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const stopped = clientAt(endpoint);
    const admin = new QueueAdmin(stopped, endpoint);
    const failure = admin.depth();
    await expect(failure).rejects.toThrow(LocalQueuesUnavailableError);
    await expect(failure).rejects.toThrow(
      `no SQS server answers at ${endpoint} (ECONNREFUSED): start the local stack with \`npm start\``,
    );
    stopped.destroy();
  });

  test('says the queues are missing when the server is not the local stack', async () => {
    const bare = await startLocalSqs({ port: 0, region: 'us-east-1' });
    const other = clientAt(bare.endpoint);
    try {
      await expect(new QueueAdmin(other, bare.endpoint).peek(reasonOf)).rejects.toThrow(
        'has no queue compute-jobs or compute-jobs-dlq',
      );
    } finally {
      other.destroy();
      await bare.stop();
    }
  });
});
