/**
 * Coalesces the messages sent by concurrent requests of one process into
 * `SendMessageBatch` calls.
 *
 * @module
 */

/** One message to send. */
export interface OutgoingMessage {
  readonly body: string;
  /** Seconds the message stays invisible after it is sent (0: none). */
  readonly delaySeconds: number;
}

/**
 * Sends up to {@link MAX_BATCH} messages at once and reports, for each, whether
 * it was accepted (by position), or throws when the whole call failed.
 */
export type SendBatch = (messages: readonly OutgoingMessage[]) => Promise<readonly boolean[]>;

/** SQS's limit of entries per `SendMessageBatch`. */
export const MAX_BATCH = 10;

interface Waiting {
  readonly message: OutgoingMessage;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Sends messages in batches without holding any of them back: a message
 * waits only for the end of the current turn of the event loop, and whatever
 * other requests queued during that turn goes in the same call (up to ten).
 * Under light load every batch holds one message and nothing is added to the
 * latency; under a burst the signing, the HTTP round trip and the queue's own
 * work are shared by several submissions. Each caller learns the fate of its
 * own message.
 *
 * @example
 * ```ts
 * const batcher = new SendBatcher(async (messages) => { ...; return messages.map(() => true); });
 * await batcher.send({ body: '{"job_id":"..."}', delaySeconds: 0 });
 * ```
 */
export class SendBatcher {
  readonly #sendBatch: SendBatch;
  #pending: Waiting[] = [];
  #scheduled = false;

  /** @param sendBatch - the call that sends one batch */
  constructor(sendBatch: SendBatch) {
    this.#sendBatch = sendBatch;
  }

  /**
   * Sends one message.
   *
   * @throws whatever the batch call threw, or `Error` when the queue refused this entry
   */
  send(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ message, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    for (let i = 0; i < pending.length; i += MAX_BATCH) void this.#sendOne(pending.slice(i, i + MAX_BATCH));
  }

  async #sendOne(batch: Waiting[]): Promise<void> {
    let accepted: readonly boolean[];
    try {
      accepted = await this.#sendBatch(batch.map((w) => w.message));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) =>
      accepted[i] ? w.resolve() : w.reject(new Error('the queue refused the message')),
    );
  }
}
