/**
 * Submission idempotency keys (IETF `Idempotency-Key` draft): one item per
 * user and key, claimed by a conditional put, kept 24 hours.
 *
 * @module
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { idempotencyItemKey, isExpired } from './job-items.js';
import { isConditionFailed, send, type JobTable } from './table-ops.js';

/** How long a key holds, in ms. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** How the first request of an idempotency key was answered (202 unless `Prefer: wait` gave the finished job). */
export interface IdempotentAnswer {
  readonly status: 200 | 202;
  /** The `Preference-Applied` of that answer, if any. */
  readonly preference_applied?: string;
}

/** A key's item. */
export interface IdempotencyEntry {
  readonly job_id: string;
  /** When the key was claimed, in ms since the epoch. */
  readonly claimed_at: number;
  /** SHA-256 of the request that claimed it (operation and canonical body); absent in entries of old versions. */
  readonly fingerprint?: string;
  readonly answer?: IdempotentAnswer;
}

/** The idempotency keys of the jobs' table. */
export class IdempotencyKeys {
  /** @param table - the jobs' table */
  constructor(readonly table: JobTable) {}

  /** The live entry of a key, or undefined (none, or older than 24 hours). */
  async entry(sub: string, key: string): Promise<IdempotencyEntry | undefined> {
    const { Item } = await send<{ Item?: IdempotencyEntry & { expires_at?: number } }>(
      this.table,
      new GetCommand({ TableName: this.table.name, Key: idempotencyItemKey(sub, key), ConsistentRead: true }),
    );
    return Item === undefined || isExpired({ ...Item }) ? undefined : Item;
  }

  /**
   * Claims a key for a job. Exactly one of concurrent claims wins; the
   * others get the winner's job id. An expired entry is taken over.
   *
   * @returns the id of the job that owns the key
   * @throws `StorageError` when the table cannot be written
   */
  async claim(sub: string, key: string, jobId: string, fingerprint: string): Promise<string> {
    for (;;) {
      const now = Date.now();
      try {
        await send(
          this.table,
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...idempotencyItemKey(sub, key),
              job_id: jobId,
              claimed_at: now,
              fingerprint,
              expires_at: Math.floor((now + IDEMPOTENCY_TTL_MS) / 1000),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR expires_at <= :now',
            ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
          }),
        );
        return jobId;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
      // Released between the put and this read: claim it again.
      const existing = await this.entry(sub, key);
      if (existing) return existing.job_id;
    }
  }

  /** Records the first request's answer, unless another job took the key over meanwhile. */
  async recordAnswer(sub: string, key: string, jobId: string, answer: IdempotentAnswer): Promise<void> {
    try {
      await send(
        this.table,
        new UpdateCommand({
          TableName: this.table.name,
          Key: idempotencyItemKey(sub, key),
          UpdateExpression: 'SET answer = :answer',
          ConditionExpression: 'job_id = :job',
          ExpressionAttributeValues: { ':answer': answer, ':job': jobId },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  /** Forgets a key (its job could not be queued). */
  async release(sub: string, key: string): Promise<void> {
    await send(
      this.table,
      new DeleteCommand({ TableName: this.table.name, Key: idempotencyItemKey(sub, key) }),
    );
  }
}
