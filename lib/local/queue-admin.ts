/**
 * Operator tools for the local queues (`npm run queues`): depths, a look at
 * the dead-letter queue's messages, redrive and purge, through the SDK.
 *
 * Why not the AWS CLI: the local server (fauxqs) speaks only SQS's JSON
 * protocol, and does not implement `StartMessageMoveTask`, the DLQ redrive.
 *
 * @module
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { jobIdOf } from '../queue/job-message.js';
import { QUEUE_NAMES } from './queues.js';

/** The local stack is not running, or its queues do not exist. */
export class LocalQueuesUnavailableError extends Error {
  override readonly name = 'LocalQueuesUnavailableError';
}

/** Messages of one queue, as SQS approximates them. */
export interface QueueDepth {
  /** Queue name. */
  readonly queue: string;
  /** Messages waiting to be received (`ApproximateNumberOfMessages`). */
  readonly visible: number;
  /** Messages received and not yet deleted (`ApproximateNumberOfMessagesNotVisible`). */
  readonly inFlight: number;
  /** Messages sent with a delay that has not passed (`ApproximateNumberOfMessagesDelayed`). */
  readonly delayed: number;
}

/** One dead-lettered message, as {@link QueueAdmin.peek} shows it. */
export interface DeadLetter {
  /** SQS message id. */
  readonly messageId: string;
  /** The job of the message; undefined when the body is not a job message. */
  readonly jobId: string | undefined;
  /** Deliveries so far (`ApproximateReceiveCount`, counting this look). */
  readonly receiveCount: number;
  /** Why the job failed, from the job store; a note when the job is unknown or not ended. */
  readonly reason: string;
}

/** Finds why a job failed; undefined when there is no such job. */
export type ReasonLookup = (jobId: string) => Promise<string | undefined>;

/** Messages received per call: the SQS maximum. */
const BATCH = 10;
/** Calls of an empty receive before a drain stops: SQS may answer empty while messages remain. */
const EMPTY_RECEIVES = 2;

/** Network failures that mean nothing (or no SQS server) listens at the endpoint. */
const UNREACHABLE = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|TimeoutError)\b/;

/**
 * The code of an SDK failure: the socket's (`ECONNREFUSED`, maybe on `cause`), else the error name.
 * The message is searched too: the SDK wraps a socket error from another realm (e.g. a test VM)
 * into a plain Error whose message alone names it.
 */
function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, name, cause, message } = err as {
    code?: unknown;
    name?: unknown;
    cause?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string' && UNREACHABLE.test(code)) return code;
  const fromCause = cause === undefined ? undefined : errorCode(cause);
  if (fromCause !== undefined && UNREACHABLE.test(fromCause)) return fromCause;
  const inMessage = typeof message === 'string' ? UNREACHABLE.exec(message)?.[1] : undefined;
  return inMessage ?? (typeof name === 'string' ? name : undefined);
}

/**
 * The queues `compute-jobs` and `compute-jobs-dlq` of a running local stack.
 * Every method throws {@link LocalQueuesUnavailableError} when the server
 * does not answer or the queues do not exist.
 */
export class QueueAdmin {
  #urls: Promise<{ jobs: string; deadLetter: string }> | undefined;

  /**
   * @param client - SQS client pointed at the local server
   * @param endpoint - that server's endpoint, named in errors
   */
  constructor(
    readonly client: SQSClient,
    readonly endpoint: string,
  ) {}

  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const code = errorCode(err);
      if (code !== undefined && UNREACHABLE.test(code)) {
        throw new LocalQueuesUnavailableError(
          `no SQS server answers at ${this.endpoint} (${code}): start the local stack with \`npm start\` ` +
            '(SQS_PORT or SQS_ENDPOINT if it runs on another port)',
        );
      }
      if (code?.includes('QueueDoesNotExist') || code?.includes('NonExistentQueue')) {
        throw new LocalQueuesUnavailableError(
          `the SQS server at ${this.endpoint} has no queue ${QUEUE_NAMES.jobs} or ${QUEUE_NAMES.deadLetter}: ` +
            'is it the local stack of this project? (`npm start` creates them)',
        );
      }
      throw err;
    }
  }

  #queueUrls(): Promise<{ jobs: string; deadLetter: string }> {
    this.#urls ??= this.#call(async () => {
      const urlOf = async (name: string): Promise<string> => {
        const { QueueUrl } = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
        if (!QueueUrl)
          throw new LocalQueuesUnavailableError(`the SQS server did not give the URL of ${name}`);
        return QueueUrl;
      };
      return { jobs: await urlOf(QUEUE_NAMES.jobs), deadLetter: await urlOf(QUEUE_NAMES.deadLetter) };
    });
    // A failed lookup is not kept: the next call tries again.
    this.#urls.catch(() => (this.#urls = undefined));
    return this.#urls;
  }

  async #depthOf(name: string, url: string): Promise<QueueDepth> {
    const { Attributes = {} } = await this.#call(() =>
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      ),
    );
    const count = (key: string): number => Number(Attributes[key as keyof typeof Attributes] ?? 0);
    return {
      queue: name,
      visible: count('ApproximateNumberOfMessages'),
      inFlight: count('ApproximateNumberOfMessagesNotVisible'),
      delayed: count('ApproximateNumberOfMessagesDelayed'),
    };
  }

  /**
   * Approximate depths of the job queue and of the dead-letter queue.
   *
   * @returns the job queue's depth first, then the DLQ's
   * @throws {@link LocalQueuesUnavailableError} when the local stack is not running
   */
  async depth(): Promise<readonly [QueueDepth, QueueDepth]> {
    const urls = await this.#queueUrls();
    return [
      await this.#depthOf(QUEUE_NAMES.jobs, urls.jobs),
      await this.#depthOf(QUEUE_NAMES.deadLetter, urls.deadLetter),
    ];
  }

  async #receive(url: string, visibilityTimeout: number): Promise<Message[]> {
    const { Messages = [] } = await this.#call(() =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: BATCH,
          VisibilityTimeout: visibilityTimeout,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      ),
    );
    return Messages;
  }

  /**
   * Shows up to `limit` dead-lettered messages without consuming them: they
   * are received, then made visible again at once (visibility 0), so the
   * dead-letter function or a later redrive still gets them.
   *
   * @param reasonOf - finds the failure reason of a job (the job store's `error`)
   * @param limit - most messages to show, 100 by default
   * @returns the messages, each with its job id and reason
   * @throws {@link LocalQueuesUnavailableError} when the local stack is not running
   */
  async peek(reasonOf: ReasonLookup, limit = 100): Promise<DeadLetter[]> {
    const { deadLetter: url } = await this.#queueUrls();
    const seen = new Map<string, Message>();
    // Messages stay hidden while we look, so that each receive brings new ones, then all come back.
    const hidden: Message[] = [];
    try {
      for (let empty = 0; seen.size < limit && empty < EMPTY_RECEIVES;) {
        const batch = await this.#receive(url, 30);
        if (batch.length === 0) empty++;
        for (const message of batch) {
          hidden.push(message);
          if (message.MessageId && seen.size < limit) seen.set(message.MessageId, message);
        }
      }
    } finally {
      await this.#release(url, hidden);
    }
    const letters: DeadLetter[] = [];
    for (const message of seen.values()) {
      const jobId = jobIdOf(message.Body ?? '');
      const reason =
        jobId === undefined
          ? 'not a job message'
          : ((await reasonOf(jobId)) ?? 'no such job in the job store');
      letters.push({
        messageId: message.MessageId ?? '',
        jobId,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        reason,
      });
    }
    return letters;
  }

  async #release(url: string, messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += BATCH) {
      const entries = messages.slice(i, i + BATCH).map((m, n) => ({
        Id: String(n),
        ReceiptHandle: m.ReceiptHandle ?? '',
        VisibilityTimeout: 0,
      }));
      await this.#call(() =>
        this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries })),
      );
    }
  }

  /**
   * Moves every dead-lettered message back to the job queue: each one is
   * sent to `compute-jobs` first and deleted from the DLQ only once the send
   * succeeded, so a failure midway leaves it in the DLQ (at worst in both,
   * and the worker acknowledges a message of an ended job without running it).
   *
   * @returns how many messages were moved
   * @throws {@link LocalQueuesUnavailableError} when the local stack is not running
   */
  async redrive(): Promise<number> {
    const urls = await this.#queueUrls();
    let moved = 0;
    for (let empty = 0; empty < EMPTY_RECEIVES;) {
      // Hidden for a minute while moved; one that could not be moved comes back by itself.
      const batch = await this.#receive(urls.deadLetter, 60);
      if (batch.length === 0) empty++;
      for (const message of batch) {
        await this.#call(() =>
          this.client.send(new SendMessageCommand({ QueueUrl: urls.jobs, MessageBody: message.Body ?? '' })),
        );
      }
      if (batch.length > 0) {
        const { Failed = [] } = await this.#call(() =>
          this.client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: urls.deadLetter,
              Entries: batch.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle ?? '' })),
            }),
          ),
        );
        if (Failed.length > 0) {
          throw new Error(
            `${Failed.length} redriven message(s) could not be deleted from ${QUEUE_NAMES.deadLetter} ` +
              `(${Failed[0]?.Message ?? Failed[0]?.Code}); they are now in both queues`,
          );
        }
        moved += batch.length;
      }
    }
    return moved;
  }

  /**
   * Deletes every message of one queue.
   *
   * @param which - `jobs` for `compute-jobs`, `deadLetter` for `compute-jobs-dlq`
   * @throws {@link LocalQueuesUnavailableError} when the local stack is not running
   */
  async purge(which: 'jobs' | 'deadLetter'): Promise<void> {
    const urls = await this.#queueUrls();
    await this.#call(() => this.client.send(new PurgeQueueCommand({ QueueUrl: urls[which] })));
  }
}
