import { localSettings } from '../../lib/local/settings.js';

describe('localSettings', () => {
  test('uses the documented defaults when nothing is set', () => {
    expect(localSettings({}, '/repo')).toEqual({
      port: 3000,
      sqsPort: 9324,
      dynamodbPort: 8000,
      jobsTable: 'dataframe-jobs-local-jobs',
      lambdaPort: 3002,
      hdfsRoot: '/repo/local-hdfs',
      region: 'us-east-1',
      workerConcurrency: 2,
      batchSize: 10,
      visibilityTimeout: 30,
      maxReceiveCount: 3,
      persistQueues: true,
      persistTables: true,
      logLevel: 'info',
    });
  });

  test('derives the Lambda port from PORT so that two stacks do not clash', () => {
    expect(localSettings({ PORT: '4100' }, '/repo').lambdaPort).toBe(4102);
    expect(localSettings({ PORT: '65535' }, '/repo').lambdaPort).toBe(65533);
  });

  test('resolves a relative HDFS_ROOT against the working folder and keeps an absolute one', () => {
    expect(localSettings({ HDFS_ROOT: 'data/hdfs' }, '/repo').hdfsRoot).toBe('/repo/data/hdfs');
    expect(localSettings({ HDFS_ROOT: '/mnt/hdfs' }, '/repo').hdfsRoot).toBe('/mnt/hdfs');
  });

  test('accepts a worker concurrency of 0, which pauses the event source', () => {
    expect(localSettings({ MAX_WORKER_CONCURRENCY: '0' }, '/repo').workerConcurrency).toBe(0);
  });

  test('turns queue persistence off with SQS_PERSIST=0', () => {
    expect(localSettings({ SQS_PERSIST: '0' }, '/repo').persistQueues).toBe(false);
  });

  test('turns table persistence off with DYNAMODB_PERSIST=0 and leaves the queues persisted', () => {
    const settings = localSettings({ DYNAMODB_PERSIST: '0' }, '/repo');
    expect(settings.persistTables).toBe(false);
    expect(settings.persistQueues).toBe(true);
  });

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['SQS_PORT', '0'],
    ['WORKER_BATCH_SIZE', '11'],
    ['WORKER_VISIBILITY_TIMEOUT', '1.5'],
    ['MAX_WORKER_CONCURRENCY', '-1'],
  ])('names the variable when %s=%s is out of range', (name, value) => {
    expect(() => localSettings({ [name]: value }, '/repo')).toThrow(new RegExp(`^${name} must be`));
  });
});
