import type { Message } from '@aws-sdk/client-sqs';
import { succeededIds, toSqsEvent } from '../../lib/local/sqs-event.js';

const source = { queueArn: 'arn:aws:sqs:us-east-1:000000000000:compute-jobs', region: 'us-east-1' };

function message(id: string, extra: Partial<Message> = {}): Message {
  return {
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: JSON.stringify({ job_id: id }),
    MD5OfBody: 'md5',
    Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000', SenderId: 'AID' },
    ...extra,
  };
}

describe('toSqsEvent', () => {
  test('builds Lambda-shaped records in order, with the source ARN and the receive count', () => {
    const event = toSqsEvent([message('a'), message('b')], source);
    expect(event.Records.map((r) => r.messageId)).toEqual(['a', 'b']);
    expect(event.Records[0]).toEqual({
      messageId: 'a',
      receiptHandle: 'rh-a',
      body: '{"job_id":"a"}',
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1700000000000',
        SenderId: 'AID',
        ApproximateFirstReceiveTimestamp: expect.any(String) as unknown,
      },
      messageAttributes: {},
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: source.queueArn,
      awsRegion: 'us-east-1',
    });
  });

  test('converts message attributes to the lower-case Lambda form', () => {
    const event = toSqsEvent(
      [message('a', { MessageAttributes: { trace: { DataType: 'String', StringValue: 'x' } } })],
      source,
    );
    expect(event.Records[0]?.messageAttributes).toEqual({
      trace: { dataType: 'String', stringValue: 'x', stringListValues: [], binaryListValues: [] },
    });
  });

  test('refuses a message without a receipt handle', () => {
    expect(() => toSqsEvent([message('a', { ReceiptHandle: undefined })], source)).toThrow(/receipt handle/);
  });
});

describe('succeededIds', () => {
  const ids = ['a', 'b', 'c'];

  test('treats no answer, an empty object and an empty failure list as full success', () => {
    expect(succeededIds(ids, null)).toEqual(ids);
    expect(succeededIds(ids, {})).toEqual(ids);
    expect(succeededIds(ids, { batchItemFailures: [] })).toEqual(ids);
  });

  test('keeps the reported failures for redelivery', () => {
    expect(succeededIds(ids, { batchItemFailures: [{ itemIdentifier: 'b' }] })).toEqual(['a', 'c']);
  });

  test('fails the whole batch on an unknown, empty or missing identifier, as Lambda does', () => {
    expect(succeededIds(ids, { batchItemFailures: [{ itemIdentifier: 'z' }] })).toEqual([]);
    expect(succeededIds(ids, { batchItemFailures: [{ itemIdentifier: '' }] })).toEqual([]);
    expect(succeededIds(ids, { batchItemFailures: [{}] })).toEqual([]);
  });

  test('fails the whole batch on an answer of another shape', () => {
    expect(succeededIds(ids, 'ok')).toEqual([]);
    expect(succeededIds(ids, [])).toEqual([]);
    expect(succeededIds(ids, { batchItemFailures: 'b' })).toEqual([]);
  });
});
