import {
  DescribeTableCommand,
  DynamoDBClient,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureJobTable, JOB_INDEXES } from '../../lib/jobs/job-table.js';
import { startLocalDynamo, type LocalDynamo } from '../../lib/local/dynamodb-server.js';

const TABLE = 'jobs-test';

const clientOf = (db: LocalDynamo): DynamoDBClient =>
  new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

describe('the local DynamoDB server', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dynalite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('creates the jobs table with its three indexes once, and keeps its items across a restart', async () => {
    let db = await startLocalDynamo({ port: 0, dataDir: dir });
    let client = clientOf(db);
    try {
      expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await ensureJobTable(client, TABLE)).toBe(true);
      expect(await ensureJobTable(client, TABLE)).toBe(false);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
      expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(
        Object.values(JOB_INDEXES).sort(),
      );
      await DynamoDBDocumentClient.from(client).send(
        new PutCommand({ TableName: TABLE, Item: { pk: 'job#kept', status: 'queued' } }),
      );
    } finally {
      client.destroy();
      await db.stop();
    }
    db = await startLocalDynamo({ port: 0, dataDir: dir });
    client = clientOf(db);
    try {
      expect(await ensureJobTable(client, TABLE)).toBe(false);
      const { Item } = await DynamoDBDocumentClient.from(client).send(
        new GetCommand({ TableName: TABLE, Key: { pk: 'job#kept' } }),
      );
      expect(Item).toEqual({ pk: 'job#kept', status: 'queued' });
    } finally {
      client.destroy();
      await db.stop();
    }
  });

  test('a start on a folder another server still holds waits for it to be let go, then serves its items', async () => {
    const first = await startLocalDynamo({ port: 0, dataDir: dir });
    const firstClient = clientOf(first);
    await ensureJobTable(firstClient, TABLE);
    await DynamoDBDocumentClient.from(firstClient).send(
      new PutCommand({ TableName: TABLE, Item: { pk: 'job#held', status: 'running' } }),
    );
    firstClient.destroy();
    let secondStarted = false;
    const second = startLocalDynamo({ port: 0, dataDir: dir }).then((db) => {
      secondStarted = true;
      return db;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(secondStarted).toBe(false);
    await first.stop();
    const db = await second;
    const client = clientOf(db);
    try {
      const { Item } = await DynamoDBDocumentClient.from(client).send(
        new GetCommand({ TableName: TABLE, Key: { pk: 'job#held' } }),
      );
      expect(Item).toEqual({ pk: 'job#held', status: 'running' });
    } finally {
      client.destroy();
      await db.stop();
    }
  });

  test('indexes only the items that carry the sparse index attribute', async () => {
    const db = await startLocalDynamo({ port: 0 });
    const client = clientOf(db);
    const doc = DynamoDBDocumentClient.from(client);
    try {
      await ensureJobTable(client, TABLE);
      for (const [pk, unfinished] of [
        ['job#a', '1'],
        ['job#b', undefined],
      ] as const) {
        await doc.send(
          new PutCommand({
            TableName: TABLE,
            Item: { pk, created_key: `2026#${pk}`, ...(unfinished ? { unfinished } : {}) },
          }),
        );
      }
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: JOB_INDEXES.unfinished,
          KeyConditionExpression: 'unfinished = :one',
          ExpressionAttributeValues: { ':one': '1' },
        }),
      );
      expect(Items?.map((i) => i.pk)).toEqual(['job#a']);
    } finally {
      client.destroy();
      await db.stop();
    }
  });

  // The store is designed around these two gaps of dynalite 4.0.0: this test says when they close.
  test('refuses TransactWriteItems and UpdateTimeToLive (dynalite 4.0.0 has neither)', async () => {
    const db = await startLocalDynamo({ port: 0 });
    const client = clientOf(db);
    try {
      await ensureJobTable(client, TABLE);
      await expect(
        client.send(
          new TransactWriteItemsCommand({
            TransactItems: [{ Put: { TableName: TABLE, Item: { pk: { S: 'x' } } } }],
          }),
        ),
      ).rejects.toMatchObject({ name: 'UnknownOperationException' });
      await expect(
        client.send(
          new UpdateTimeToLiveCommand({
            TableName: TABLE,
            TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
          }),
        ),
      ).rejects.toMatchObject({ name: 'UnknownOperationException' });
    } finally {
      client.destroy();
      await db.stop();
    }
  });
});
