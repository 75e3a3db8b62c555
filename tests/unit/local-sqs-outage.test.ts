/**
 * The local SQS server's outage control: with its listener closed, clients
 * are refused at once (the service's queue answers `queue_unavailable`
 * without waiting for its deadline); reopened, it serves the same queues and
 * messages on the same port.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import net from 'node:net';
import { loadConfig } from '../../lib/config.js';
import { QueueUnavailableError } from '../../lib/errors.js';
import { startLocalSqs, type LocalSqs } from '../../lib/local/sqs-server.js';
import { createSqsClient, SqsJobQueue } from '../../lib/queue/job-queue.js';

let sqs: LocalSqs;
let admin: SQSClient;

beforeAll(async () => {
  sqs = await startLocalSqs({ port: 0, region: 'us-east-1' });
  admin = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  admin.destroy();
  await sqs.stop();
});

/** Resolves with the error code of a TCP connection attempt to `port`, or 'connected'. */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

test('refuses connections while its listener is closed, then serves the same queue on the same port', async () => {
  const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: 'outage' }));
  if (!QueueUrl) throw new Error('no queue url');
  const config = loadConfig({
    SQS_ENDPOINT: sqs.endpoint,
    COMPUTE_QUEUE_URL: QueueUrl,
    AWS_REGION: 'us-east-1',
  });
  const client = createSqsClient(config);
  const queue = new SqsJobQueue(client, QueueUrl);
  try {
    await queue.enqueue('00000000000000000001');

    await sqs.setListening(false);
    expect(await connect(sqs.port)).toBe('ECONNREFUSED');
    const started = Date.now();
    await expect(queue.enqueue('00000000000000000002')).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(queue.depth()).rejects.toBeInstanceOf(QueueUnavailableError);
    // Refused, not hung: well within the 2 s deadline of each call.
    expect(Date.now() - started).toBeLessThan(2000);

    await sqs.setListening(true);
    expect(await connect(sqs.port)).toBe('connected');
    const { Attributes } = await admin.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
    await queue.enqueue('00000000000000000003');
    expect(await queue.depth()).toBe(2);
  } finally {
    client.destroy();
  }
});
