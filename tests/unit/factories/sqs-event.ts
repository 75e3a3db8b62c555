import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** An SQS record carrying `body`, on its `receiveCount`-th delivery. */
export function sqsRecord(
  body: string,
  receiveCount = 1,
  messageId = `m-${Math.random().toString(36).slice(2)}`,
): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:compute-jobs',
    awsRegion: 'us-east-1',
  };
}

/** An SQS event of several records, as the Lambda event source mapping sends. */
export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
