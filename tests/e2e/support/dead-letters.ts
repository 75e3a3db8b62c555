/**
 * Reading the dead-letter queue of a stack without consuming it.
 *
 * @module
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * Every message body found on `compute-jobs-dlq` within `timeoutMs`, looked
 * at with visibility 0 (left there for anyone else), until `wanted` returns true.
 *
 * @param sqsEndpoint - the stack's SQS endpoint
 * @param wanted - stops looking once the bodies seen so far satisfy it
 */
export async function deadLetters(
  sqsEndpoint: string,
  wanted: (bodies: ReadonlySet<string>) => boolean,
  timeoutMs: number,
): Promise<Set<string>> {
  const client = new SQSClient({
    endpoint: sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const seen = new Set<string>();
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !wanted(seen)) {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: `${sqsEndpoint}/000000000000/compute-jobs-dlq`,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 1,
        }),
      );
      for (const m of Messages ?? []) if (m.Body) seen.add(m.Body);
    }
    return seen;
  } finally {
    client.destroy();
  }
}
