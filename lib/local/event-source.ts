/**
 * The local SQS event source: what Lambda's event source mapping does in AWS.
 * It long-polls `compute-jobs`, hands each batch to the worker function as an
 * SQS event, deletes the records the function did not report as failed, and
 * leaves the failed ones to become visible again (and, after
 * `maxReceiveCount` deliveries, to be moved to the dead-letter queue by SQS).
 *
 * @module
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Invoker } from './invoker.js';
import type { LocalLogger } from './local-log.js';
import { succeededIds, toSqsEvent } from './sqs-event.js';

/** Options of {@link SqsEventSource}. */
export interface EventSourceOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  /** Runs the worker function. */
  readonly invoke: Invoker;
  /** Batches processed at the same time (Lambda's maximum concurrency); 0 pauses the source. */
  readonly concurrency: number;
  /** Records per batch, 1..10 (the `batchSize` of the sqs event). */
  readonly batchSize: number;
  /** The queue's visibility timeout in seconds; in-flight batches are kept invisible meanwhile. */
  readonly visibilityTimeout: number;
  /** Long-poll duration, 1..20 s. */
  readonly waitTimeSeconds?: number;
  readonly log: LocalLogger;
}

/** Counters, for the start script and the tests. */
export interface EventSourceStats {
  batches: number;
  succeeded: number;
  failed: number;
}

const RETRY_DELAY_MS = 1000;

/**
 * Polls a queue and invokes a function with its messages, `concurrency`
 * batches at a time.
 *
 * @example
 * ```ts
 * const source = new SqsEventSource({ client, queueUrl, queueArn, region, invoke, concurrency: 2,
 *   batchSize: 10, visibilityTimeout: 30, log });
 * source.start();
 * // ...
 * await source.stop(5000);
 * ```
 */
export class SqsEventSource {
  readonly #options: EventSourceOptions;
  readonly #polling = new AbortController();
  readonly #invoking = new AbortController();
  readonly #loops: Promise<void>[] = [];
  readonly stats: EventSourceStats = { batches: 0, succeeded: 0, failed: 0 };

  /** @param options - queue, function and limits */
  constructor(options: EventSourceOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10) {
      throw new RangeError('batchSize must be an integer from 1 to 10');
    }
    if (!Number.isInteger(options.concurrency) || options.concurrency < 0) {
      throw new RangeError('concurrency must be a non-negative integer');
    }
    this.#options = options;
  }

  /** Starts the polling loops; a no-op when the concurrency is 0. */
  start(): void {
    if (this.#loops.length > 0) return;
    for (let i = 0; i < this.#options.concurrency; i++) this.#loops.push(this.#loop());
  }

  /**
   * Stops polling at once, lets in-flight batches finish for up to `graceMs`,
   * then abandons them (their messages become visible again on their own).
   *
   * @param graceMs - how long to wait for in-flight batches
   */
  async stop(graceMs = 0): Promise<void> {
    this.#polling.abort();
    const all = Promise.all(this.#loops);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([all, grace]);
    clearTimeout(timer);
    this.#invoking.abort();
    await all;
  }

  async #loop(): Promise<void> {
    const signal = this.#polling.signal;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        const received = await this.#options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#options.queueUrl,
            MaxNumberOfMessages: this.#options.batchSize,
            WaitTimeSeconds: this.#options.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
        messages = received.Messages ?? [];
      } catch (err) {
        if (signal.aborted) return;
        this.#options.log('warn', 'receiving from the queue failed; retrying', {
          error: (err as Error).message,
        });
        await sleep(RETRY_DELAY_MS, signal);
        continue;
      }
      if (messages.length > 0) await this.#runBatch(messages);
    }
  }

  async #runBatch(messages: Message[]): Promise<void> {
    const { invoke, queueArn, region, log } = this.#options;
    const event = toSqsEvent(messages, { queueArn, region });
    const ids = event.Records.map((r) => r.messageId);
    const heartbeat = this.#keepInvisible(messages);
    const started = performance.now();
    let outcome;
    try {
      outcome = await invoke(event, this.#invoking.signal);
    } finally {
      clearInterval(heartbeat);
    }
    const done = outcome.ok ? succeededIds(ids, outcome.payload) : [];
    this.stats.batches += 1;
    this.stats.succeeded += done.length;
    this.stats.failed += ids.length - done.length;
    if (!outcome.ok) {
      log('error', 'worker invocation failed; the batch will be delivered again', {
        records: ids.length,
        error: outcome.error,
      });
    } else if (done.length < ids.length) {
      log('warn', 'worker reported failed records; they will be delivered again', {
        records: ids.length,
        failed: ids.length - done.length,
      });
    }
    log('debug', 'batch processed', {
      records: ids.length,
      succeeded: done.length,
      duration_ms: Math.round(performance.now() - started),
    });
    await this.#delete(messages.filter((m) => m.MessageId !== undefined && done.includes(m.MessageId)));
  }

  /** Extends the visibility of an in-flight batch every half timeout, so a long job is not delivered twice. */
  #keepInvisible(messages: Message[]): NodeJS.Timeout {
    const { client, queueUrl, visibilityTimeout, log } = this.#options;
    const timer = setInterval(
      () => {
        client
          .send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((m, i) => ({
                Id: String(i),
                ReceiptHandle: m.ReceiptHandle,
                VisibilityTimeout: visibilityTimeout,
              })),
            }),
          )
          .catch((err: unknown) =>
            log('warn', 'extending the visibility of a batch failed', { error: (err as Error).message }),
          );
      },
      Math.max(500, (visibilityTimeout * 1000) / 2),
    );
    timer.unref();
    return timer;
  }

  async #delete(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      const result = await this.#options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#options.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      if (result.Failed && result.Failed.length > 0) {
        this.#options.log(
          'warn',
          'some processed messages could not be deleted; they will be delivered again',
          {
            failed: result.Failed.length,
          },
        );
      }
    } catch (err) {
      this.#options.log('warn', 'deleting processed messages failed; they will be delivered again', {
        error: (err as Error).message,
      });
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
