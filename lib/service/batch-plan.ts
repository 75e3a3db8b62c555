/**
 * The order in which the worker runs a batch's records, so that a job that
 * kills the worker (its input exhausts memory, or crashes a native library)
 * cannot take other jobs down with it more than once, nor use up their
 * deliveries.
 *
 * @module
 */
import type { SQSRecord } from 'aws-lambda';
import type { JobStore } from '../jobs/job-store.js';
import { jobIdOf } from '../queue/job-message.js';

/** A batch's records split by what their jobs' documents say. */
export interface BatchPlan {
  /** Records to run, in this order: never-started jobs first, then suspects. */
  readonly order: SQSRecord[];
  /** Message ids of the suspects: jobs found `running`, whose previous attempt never finished. */
  readonly suspects: ReadonlySet<string>;
}

/**
 * Orders a batch for one-at-a-time processing. A job found `running` when
 * its message arrives had an attempt that never finished: the worker died
 * during it (a crash, a kill, a timeout) or failed it with an error to retry.
 * Such suspects run after every other record of the batch. The worker runs
 * records one at a time, so a crash interrupts only the record in progress:
 * the records before it have ended and are acknowledged when delivered again,
 * the ones after it were never started and keep all their attempts. With
 * suspects last, a job that crashes the worker on every attempt is re-run
 * only after its batch's other jobs ended.
 *
 * @param records - the batch, in delivery order
 * @param store - where the jobs' states are read (a read that fails counts the record as not suspect)
 * @returns the records in the order to run them, and which are suspects
 */
export async function planBatch(records: readonly SQSRecord[], store: JobStore): Promise<BatchPlan> {
  const suspects = new Set<string>();
  await Promise.all(
    records.map(async (record) => {
      const id = jobIdOf(record.body);
      if (id === undefined) return;
      const job = await store.get(id).catch(() => undefined);
      if (job?.status === 'running') suspects.add(record.messageId);
    }),
  );
  const order = [
    ...records.filter((r) => !suspects.has(r.messageId)),
    ...records.filter((r) => suspects.has(r.messageId)),
  ];
  return { order, suspects };
}
