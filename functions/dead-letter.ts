/**
 * The dead-letter function: consumes `compute-jobs-dlq`, so that a job whose
 * worker died on every delivery (crash, kill, timeout) ends `failed` with
 * `worker_crashed` instead of staying `running` for ever.
 *
 * @module
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { recordDeadLetter } from '../lib/service/dead-letter.js';
import { deps, type ServiceDeps } from '../lib/service/deps.js';

/**
 * Builds the dead-letter handler over some dependencies.
 *
 * @example
 * ```ts
 * const handler = makeDeadLetterHandler(() => testDeps);
 * const { batchItemFailures } = await handler(sqsEvent, context);
 * ```
 */
export function makeDeadLetterHandler(getDeps: () => ServiceDeps) {
  const recordHandler = (record: SQSRecord): Promise<void> => recordDeadLetter(getDeps(), record.body);
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
}

/** The Lambda handler. */
export const handler = makeDeadLetterHandler(deps);
