/**
 * Each user's count of queued and running jobs, for the per-user limit on
 * waiting jobs (`MAX_QUEUED_JOBS_PER_USER`): one counter item per user,
 * changed by conditional atomic updates, exact under any concurrency.
 *
 * @module
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JOB_INDEXES } from './job-table.js';
import { JOB_STATUSES, TERMINAL_STATUSES } from './job.js';
import { COUNTER_PARTITION, counterKey, userKey } from './job-items.js';
import { isConditionFailed, send, type JobTable } from './table-ops.js';

/**
 * A counter unchanged for this long has no submission between its reservation and its job's item: the
 * compute functions time out at 28 s, so a reservation older than this whose job is missing was orphaned
 * by a crash.
 */
export const SETTLED_MS = 60_000;

/** The statuses a counter counts. */
const UNFINISHED_STATUSES = JOB_STATUSES.filter((status) => !TERMINAL_STATUSES.has(status));

/** The attributes that put a counter in the `unfinished` index (partition "counter"). */
const indexed = (pk: string): Record<string, string> => ({ ':c': COUNTER_PARTITION, ':pk': pk });

/**
 * Counters `user#<user key>` with an `active` number. A job counts from its
 * submission ({@link ActiveCounts.reserve}, before its item is written) to
 * its terminal transition (after the item's conditional update). DynamoDB
 * transactions would make each pair atomic, but the local server (dynalite
 * 4.0.0) has none, so the two writes are ordered instead: a crash between
 * them can only leave a count one too high, never too low (the limit is never
 * overshot), and {@link ActiveCounts.repair} sets every count right at the
 * local stack's start; in the cloud, {@link ActiveCounts.settle} corrects a
 * user's count when it stops them.
 */
export class ActiveCounts {
  /**
   * @param table - the jobs' table
   * @param now - the clock (ms), for tests
   */
  constructor(
    readonly table: JobTable,
    readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one more job for `sub` if they have fewer than `limit`.
   *
   * @returns false when `sub` already has `limit` jobs queued or running
   * @throws `StorageError` when the table cannot be written
   */
  async reserve(sub: string, limit: number): Promise<boolean> {
    const key = counterKey(sub);
    try {
      await send(
        this.table,
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: 'SET unfinished = :c, created_key = :pk, changed_at = :now ADD active :one',
          ConditionExpression: 'attribute_not_exists(active) OR active < :limit',
          ExpressionAttributeValues: { ...indexed(key.pk), ':one': 1, ':limit': limit, ':now': this.now() },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Counts one job fewer for `sub` (never below zero). */
  async release(sub: string): Promise<void> {
    try {
      await send(
        this.table,
        new UpdateCommand({
          TableName: this.table.name,
          Key: counterKey(sub),
          UpdateExpression: 'SET changed_at = :now ADD active :minus',
          ConditionExpression: 'active > :zero',
          ExpressionAttributeValues: { ':minus': -1, ':zero': 0, ':now': this.now() },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  /** How many jobs `sub` has queued or running. */
  async count(sub: string): Promise<number> {
    const { Item } = await send<{ Item?: { active?: number } }>(
      this.table,
      new GetCommand({ TableName: this.table.name, Key: counterKey(sub), ConsistentRead: true }),
    );
    return Item?.active ?? 0;
  }

  /**
   * Lowers `sub`'s count to their number of queued and running jobs, when it is higher and has not
   * changed for {@link SETTLED_MS}: a function killed between a reservation and its job's item, or
   * between a job's terminal write and its counter's, left it one too high, and nothing else would
   * ever bring it down. Called when the count stops a submission, so it costs nothing otherwise
   * (a consistent read and one `Select: COUNT` query per unfinished status, on `by_user_status`).
   * The update is conditional on the count and time read, so a concurrent change wins.
   *
   * @returns true when the count was lowered
   * @throws `StorageError` when the table cannot be read or written
   */
  async settle(sub: string): Promise<boolean> {
    const key = counterKey(sub);
    const { Item } = await send<{ Item?: { active?: number; changed_at?: number } }>(
      this.table,
      new GetCommand({ TableName: this.table.name, Key: key, ConsistentRead: true }),
    );
    const active = Item?.active ?? 0;
    const changedAt = Item?.changed_at;
    if (active === 0 || (changedAt !== undefined && this.now() - changedAt < SETTLED_MS)) return false;
    let jobs = 0;
    for (const status of UNFINISHED_STATUSES) jobs += await this.#countJobs(sub, status);
    if (jobs >= active) return false;
    try {
      await send(
        this.table,
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: 'SET active = :jobs, changed_at = :now',
          ConditionExpression:
            changedAt === undefined
              ? 'active = :active AND attribute_not_exists(changed_at)'
              : 'active = :active AND changed_at = :changed',
          ExpressionAttributeValues: {
            ':jobs': jobs,
            ':now': this.now(),
            ':active': active,
            ...(changedAt !== undefined && { ':changed': changedAt }),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** How many of `sub`'s jobs have `status`, through the `by_user_status` index. */
  async #countJobs(sub: string, status: string): Promise<number> {
    let n = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page: { Count?: number; LastEvaluatedKey?: Record<string, unknown> } = await send(
        this.table,
        new QueryCommand({
          TableName: this.table.name,
          IndexName: JOB_INDEXES.byUserStatus,
          KeyConditionExpression: 'owner_status = :os',
          ExpressionAttributeValues: { ':os': `${userKey(sub)}#${status}` },
          Select: 'COUNT',
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      n += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return n;
  }

  /**
   * Sets every user's count to their number of unfinished jobs (at the local
   * stack's start, when nothing else writes): counters are listed through the
   * `unfinished` index, not by a scan.
   *
   * @param unfinished - the `submitted_by` of every queued or running job
   * @returns how many counters were changed
   * @throws `StorageError` when the table cannot be read or written
   */
  async repair(unfinished: readonly string[]): Promise<number> {
    const wanted = new Map<string, { sub: string; n: number }>();
    for (const sub of unfinished) {
      const entry = wanted.get(userKey(sub)) ?? { sub, n: 0 };
      entry.n += 1;
      wanted.set(userKey(sub), entry);
    }
    const seen = new Map<string, number>();
    let start: Record<string, unknown> | undefined;
    do {
      const page: { Items?: { pk: string; active?: number }[]; LastEvaluatedKey?: Record<string, unknown> } =
        await send(
          this.table,
          new QueryCommand({
            TableName: this.table.name,
            IndexName: JOB_INDEXES.unfinished,
            KeyConditionExpression: 'unfinished = :c',
            ExpressionAttributeValues: { ':c': COUNTER_PARTITION },
            ...(start && { ExclusiveStartKey: start }),
          }),
        );
      for (const item of page.Items ?? []) seen.set(item.pk, item.active ?? 0);
      start = page.LastEvaluatedKey;
    } while (start);
    let changed = 0;
    const set = async (pk: string, n: number): Promise<void> => {
      await send(
        this.table,
        new PutCommand({
          TableName: this.table.name,
          Item: { pk, active: n, unfinished: COUNTER_PARTITION, created_key: pk, changed_at: this.now() },
        }),
      );
      changed += 1;
    };
    for (const [pk, active] of seen) {
      const want = wanted.get(pk.slice('user#'.length))?.n ?? 0;
      if (active !== want) await set(pk, want);
    }
    for (const { sub, n } of wanted.values()) {
      const { pk } = counterKey(sub);
      if (!seen.has(pk)) await set(pk, n);
    }
    return changed;
  }
}
