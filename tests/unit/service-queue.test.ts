import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import net from 'node:net';
import { loadConfig } from '../../lib/config.js';
import { QueueUnavailableError } from '../../lib/errors.js';
import { ensureQueues } from '../../lib/local/queues.js';
import { startLocalSqs, type LocalSqs } from '../../lib/local/sqs-server.js';
import { createSqsClient, SqsJobQueue } from '../../lib/queue/job-queue.js';

// A real SQS emulator (fauxqs, in-process, loopback, random port): the same protocol as in AWS.
let sqs: LocalSqs;
let queueUrl: string;
beforeAll(async () => {
  sqs = await startLocalSqs({ port: 0, region: 'us-east-1' });
  const client = createSqsClient(loadConfig({ SQS_ENDPOINT: sqs.endpoint }));
  ({ jobsUrl: queueUrl } = await ensureQueues(client, {
    endpoint: sqs.endpoint,
    visibilityTimeout: 30,
    maxReceiveCount: 3,
  }));
});
afterAll(() => sqs.stop());

const queueAt = (endpoint: string, url: string): SqsJobQueue => {
  const config = loadConfig({ SQS_ENDPOINT: endpoint, COMPUTE_QUEUE_URL: url });
  return new SqsJobQueue(createSqsClient(config), config.queueUrl);
};

describe('SQS job queue', () => {
  test('sends a message whose body is only the job id, and counts it as waiting', async () => {
    const queue = queueAt(sqs.endpoint, queueUrl);
    await queue.enqueue('0000000001abcdefabcdef');
    expect(await queue.depth()).toBe(1);
    const { Messages } = await queue.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages?.map((m) => m.Body)).toEqual(['{"job_id":"0000000001abcdefabcdef"}']);
  });

  test('delivers every message of concurrent submissions, sent together, and holds a delayed one back', async () => {
    const queue = queueAt(sqs.endpoint, queueUrl);
    const ids = Array.from({ length: 14 }, (_, i) => `00000000${String(i).padStart(2, '0')}abcdefabcdef`);
    await Promise.all([...ids.map((id) => queue.enqueue(id)), queue.enqueue('0000000099abcdefabcdef', 30)]);
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { Messages } = await queue.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      bodies.push(...(Messages ?? []).map((m) => m.Body!));
    }
    expect(bodies.map((b) => (JSON.parse(b) as { job_id: string }).job_id).sort()).toEqual(ids);
  });

  test('reports a stopped queue as queue_unavailable at once', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    const queue = queueAt(`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/000000000000/compute-jobs`);
    await expect(queue.enqueue('0000000001abcdefabcdef')).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(queue.depth()).rejects.toBeInstanceOf(QueueUnavailableError);
  });

  test('gives up on a queue that accepts connections but never answers within about two seconds', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const queue = queueAt(`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/000000000000/compute-jobs`);
      const started = Date.now();
      await expect(queue.enqueue('0000000001abcdefabcdef')).rejects.toBeInstanceOf(QueueUnavailableError);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
