/**
 * Turns messages received with `@aws-sdk/client-sqs` into the event Lambda's
 * SQS event source mapping gives a function, and reads the function's
 * partial-batch answer back the way Lambda does.
 *
 * @module
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** Where the records come from. */
export interface EventSourceRef {
  /** ARN of the queue, copied into each record's `eventSourceARN`. */
  readonly queueArn: string;
  /** Region, copied into each record's `awsRegion`. */
  readonly region: string;
}

function toLambdaAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  return {
    dataType: value.DataType ?? 'String',
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined
      ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
      : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
  };
}

function toRecordAttributes(attrs: Message['Attributes']): SQSRecordAttributes {
  const now = String(Date.now());
  return {
    ApproximateReceiveCount: attrs?.ApproximateReceiveCount ?? '1',
    SentTimestamp: attrs?.SentTimestamp ?? now,
    SenderId: attrs?.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: attrs?.ApproximateFirstReceiveTimestamp ?? now,
  };
}

/**
 * Builds the Lambda event for a batch of received messages.
 *
 * @param messages - messages from `ReceiveMessage` (asked with `MessageSystemAttributeNames: ['All']`)
 * @param source - queue ARN and region
 * @returns an `SQSEvent` whose records keep the order of `messages`
 * @throws Error when a message lacks its id, receipt handle or body (the server is broken)
 * @example
 * ```ts
 * const event = toSqsEvent(received.Messages ?? [], { queueArn, region: 'us-east-1' });
 * ```
 */
export function toSqsEvent(messages: readonly Message[], source: EventSourceRef): SQSEvent {
  const Records = messages.map((m): SQSRecord => {
    if (!m.MessageId || !m.ReceiptHandle || m.Body === undefined) {
      throw new Error('received an SQS message without id, receipt handle or body');
    }
    return {
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      attributes: toRecordAttributes(m.Attributes),
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, toLambdaAttribute(v)]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: source.queueArn,
      awsRegion: source.region,
    };
  });
  return { Records };
}

/**
 * Decides which records of a batch succeeded, from the function's answer,
 * with Lambda's rules for `ReportBatchItemFailures`: no answer, `{}` or an
 * empty `batchItemFailures` means all succeeded; a failure entry whose
 * `itemIdentifier` is missing, empty or not in the batch makes the whole batch
 * fail, as does an answer of any other shape.
 *
 * @param messageIds - ids of the records sent, in order
 * @param answer - the function's parsed return value
 * @returns the ids to delete from the queue (the others will be delivered again)
 */
export function succeededIds(messageIds: readonly string[], answer: unknown): string[] {
  if (answer === null || answer === undefined) return [...messageIds];
  if (typeof answer !== 'object' || Array.isArray(answer)) return [];
  const failures = (answer as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return [...messageIds];
  if (!Array.isArray(failures)) return [];
  const known = new Set(messageIds);
  const failed = new Set<string>();
  for (const entry of failures as unknown[]) {
    const id = (entry as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !known.has(id)) return [];
    failed.add(id);
  }
  return messageIds.filter((id) => !failed.has(id));
}
