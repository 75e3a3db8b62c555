/**
 * The worker: consumes `compute-jobs` batches with partial batch failures,
 * so a failing record does not fail its neighbours; failed records are
 * redelivered by SQS and dead-lettered after `maxReceiveCount`. Records run
 * one at a time, suspects of an earlier crash last (`lib/service/batch-plan.ts`),
 * so a job that kills the worker interrupts no other job's attempt.
 *
 * @module
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { runCompute } from '../lib/engine/index.js';
import { planBatch } from '../lib/service/batch-plan.js';
import { lambdaContextLogs } from '../lib/log/lambda-context.js';
import { deps, type ServiceDeps } from '../lib/service/deps.js';
import { withInjectedCrash } from '../lib/service/fault-injection.js';
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
  // Middy only for Powertools' Lambda context: every line a job logs names its invocation.
  // No early timeout of Middy's own: Lambda's timeout and the job's heartbeat already bound a batch.
  return middy<SQSEvent, SQSBatchResponse>({ timeoutEarlyInMillis: 0 })
    .use(lambdaContextLogs(() => getDeps().logger))
    .handler(async (event: SQSEvent, context: Context) => {
      const plan = await planBatch(event.Records, getDeps().store);
      if (plan.suspects.size > 0) {
        getDeps().logger.warn('batch holds jobs whose last attempt never finished; they run last', {
          records: event.Records.length,
          suspects: plan.suspects.size,
        });
      }
      return processPartialResponse(
        { Records: plan.order },
        recordHandler,
        new BatchProcessor(EventType.SQS),
        {
          context,
          throwOnFullBatchFailure: false,
          processInParallel: false,
        },
      );
    }) as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
}

/** The Lambda handler (the crash of `WORKER_CRASH_INPUT` exists only in the local stack's tests). */
export const handler = makeWorker(deps, withInjectedCrash(runCompute));
