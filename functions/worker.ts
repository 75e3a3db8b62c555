/**
 * The worker: consumes `compute-jobs` batches with partial batch failures,
 * so a failing record does not fail its neighbours; failed records are
 * redelivered by SQS and dead-lettered after `maxReceiveCount`.
 *
 * @module
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deps, type ServiceDeps } from '../lib/service/deps.js';
import { runJobMessage, type Compute } from '../lib/service/run-job.js';

/**
 * Builds the worker handler over some dependencies and engine.
 *
 * @example
 * ```ts
 * const handler = makeWorker(() => testDeps);
 * const { batchItemFailures } = await handler(sqsEvent, context);
 * ```
 */
export function makeWorker(getDeps: () => ServiceDeps, compute?: Compute) {
  const recordHandler = (record: SQSRecord): Promise<void> =>
    runJobMessage(getDeps(), record.body, Number(record.attributes.ApproximateReceiveCount ?? 1), compute);
  // A processor per invocation: it holds the batch's state, and a local runner may overlap invocations.
  // A batch that fails entirely is reported record by record, not thrown, so each record keeps its own count.
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
}

/** The Lambda handler. */
export const handler = makeWorker(deps);
