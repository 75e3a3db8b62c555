/**
 * The job queue (SQS): messages carry only `{"job_id"}`; the job store
 * holds everything else.
 *
 * @module
 */
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config.js';
import { QueueUnavailableError } from '../errors.js';
import { SendBatcher, type OutgoingMessage } from './send-batcher.js';

/** What the service needs of a queue. */
export interface JobQueue {
  /**
   * Queues a job id.
   *
   * @param delaySeconds - keep the message invisible this long first (0..900, SQS's limit)
   * @throws `QueueUnavailableError` when the queue cannot be reached (within ~2 s)
   */
  enqueue(jobId: string, delaySeconds?: number): Promise<void>;
  /**
   * Messages waiting (not in flight).
   *
   * @throws `QueueUnavailableError`
   */
  depth(): Promise<number>;
}

/** Longest a queue call may take, retries included, before it counts as `queue_unavailable`. */
export const QUEUE_DEADLINE_MS = 2000;

/**
 * An SQS client tuned to fail fast: a stopped or hung queue must give the
 * client a 503 in about two seconds, not a hanging request. Locally
 * (`SQS_ENDPOINT`) it talks to the emulator with dummy credentials.
 */
export function createSqsClient(config: Config): SQSClient {
  return new SQSClient({
    region: config.region,
    maxAttempts: 2,
    // Without throwOnRequestTimeout, the SDK only warns when requestTimeout passes and keeps waiting.
    requestHandler: { connectionTimeout: 1000, requestTimeout: 1500, throwOnRequestTimeout: true },
    ...(config.sqsEndpoint !== undefined && {
      endpoint: config.sqsEndpoint,
      credentials: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      },
    }),
  });
}

/** A {@link JobQueue} over an SQS queue. */
export class SqsJobQueue implements JobQueue {
  /**
   * @param client - built once per process, at module scope
   * @param queueUrl - URL of `compute-jobs`
   */
  constructor(
    readonly client: SQSClient,
    readonly queueUrl: string,
  ) {
    this.#batcher = new SendBatcher((messages) => this.#sendBatch(messages));
  }

  readonly #batcher: SendBatcher;

  /** Sent with the messages of concurrent submissions in one `SendMessageBatch` (see {@link SendBatcher}). */
  async enqueue(jobId: string, delaySeconds = 0): Promise<void> {
    try {
      await this.#batcher.send({ body: JSON.stringify({ job_id: jobId }), delaySeconds });
    } catch {
      throw new QueueUnavailableError();
    }
  }

  async #sendBatch(messages: readonly OutgoingMessage[]): Promise<boolean[]> {
    const { Successful } = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.body,
          ...(m.delaySeconds > 0 && { DelaySeconds: Math.min(900, Math.round(m.delaySeconds)) }),
        })),
      }),
      { abortSignal: AbortSignal.timeout(QUEUE_DEADLINE_MS) },
    );
    const ok = new Set((Successful ?? []).map((e) => e.Id));
    return messages.map((_, i) => ok.has(String(i)));
  }

  async depth(): Promise<number> {
    try {
      const { Attributes } = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
        { abortSignal: AbortSignal.timeout(QUEUE_DEADLINE_MS) },
      );
      return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    } catch {
      throw new QueueUnavailableError();
    }
  }
}
