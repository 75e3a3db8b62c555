/**
 * Creates the two queues of the service on the local SQS server, with the
 * same redrive policy as `serverless.yml` declares for AWS.
 *
 * @module
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** Queue names, identical to the local stage of `serverless.yml`. */
export const QUEUE_NAMES = { jobs: 'compute-jobs', deadLetter: 'compute-jobs-dlq' } as const;

/** What {@link ensureQueues} needs to know. */
export interface QueueSettings {
  /** Endpoint of the SQS server, used to build the queue URLs. */
  readonly endpoint: string;
  /** Seconds a received message stays invisible before it is delivered again. */
  readonly visibilityTimeout: number;
  /** Deliveries after which a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/** URLs and ARNs of the two queues. */
export interface QueueRefs {
  readonly jobsUrl: string;
  readonly jobsArn: string;
  readonly deadLetterUrl: string;
  readonly deadLetterArn: string;
}

/** Seconds the dead-letter queue keeps a message: 14 days, the SQS maximum, as in AWS. */
const DLQ_RETENTION_SECONDS = 1_209_600;

async function createQueue(client: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`the SQS server did not report the ARN of queue ${name}`);
  return arn;
}

/**
 * Creates `compute-jobs` and `compute-jobs-dlq` if missing (they survive
 * restarts when the server persists), then sets their attributes, so that a
 * changed visibility timeout or receive count applies to existing queues too.
 *
 * The URLs are built from the current endpoint rather than taken from the
 * server, which remembers the port a persisted queue was created on.
 *
 * @param client - SQS client pointed at the local server
 * @param settings - endpoint, visibility timeout, max receive count
 * @returns URLs and ARNs of both queues
 * @throws the SDK's error when the server refuses a call
 */
export async function ensureQueues(client: SQSClient, settings: QueueSettings): Promise<QueueRefs> {
  const deadLetterArn = await createQueue(client, QUEUE_NAMES.deadLetter);
  const jobsArn = await createQueue(client, QUEUE_NAMES.jobs);
  const base = settings.endpoint.replace(/\/+$/, '');
  // fauxqs looks queues up by name, whatever the host of the URL; the account id mirrors its URLs.
  const urlOf = (arn: string, name: string): string =>
    `${base}/${arn.split(':')[4] ?? '000000000000'}/${name}`;
  const refs: QueueRefs = {
    jobsUrl: urlOf(jobsArn, QUEUE_NAMES.jobs),
    jobsArn,
    deadLetterUrl: urlOf(deadLetterArn, QUEUE_NAMES.deadLetter),
    deadLetterArn,
  };
  await client.send(
    new SetQueueAttributesCommand({
      QueueUrl: refs.deadLetterUrl,
      Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS) },
    }),
  );
  await client.send(
    new SetQueueAttributesCommand({
      QueueUrl: refs.jobsUrl,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeout),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetterArn,
          maxReceiveCount: settings.maxReceiveCount,
        }),
      },
    }),
  );
  return refs;
}
