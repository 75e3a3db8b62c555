/**
 * The jobs' DynamoDB table: its definition (the same one `serverless.yml`
 * declares for the cloud), its creation where it is missing (the local
 * stack), and the client the store talks to it with.
 *
 * @module
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';

/** The global secondary indexes of the table (see docs/ARCHITECTURE.md, job state). */
export const JOB_INDEXES = {
  /** `owner` / `created_key`: a user's jobs, newest first with `ScanIndexForward: false`. */
  byUser: 'by_user',
  /** `owner_status` / `created_key`: a user's jobs of one status. */
  byUserStatus: 'by_user_status',
  /** `unfinished` / `created_key`, sparse: queued and running jobs (partition "1") and the per-user counters. */
  unfinished: 'unfinished',
} as const;

const index = (
  name: string,
  partition: string,
): NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']>[number] => ({
  IndexName: name,
  KeySchema: [
    { AttributeName: partition, KeyType: 'HASH' },
    { AttributeName: 'created_key', KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'ALL' },
});

/**
 * The table as `CreateTable` takes it: key `pk` (S), the three indexes,
 * on-demand billing.
 *
 * @param name - the table's name (`JOBS_TABLE`)
 */
export function jobTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'owner', 'owner_status', 'unfinished', 'created_key'].map((attribute) => ({
      AttributeName: attribute,
      AttributeType: 'S',
    })),
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      index(JOB_INDEXES.byUser, 'owner'),
      index(JOB_INDEXES.byUserStatus, 'owner_status'),
      index(JOB_INDEXES.unfinished, 'unfinished'),
    ],
  };
}

/**
 * Creates the table if it does not exist and waits until it is active.
 * Time to live is not switched on here: dynalite (the local server) has no
 * `UpdateTimeToLive`, and the cloud's table is declared in `serverless.yml`.
 *
 * @param client - a client of the server (the local stack's dynalite)
 * @param name - the table's name
 * @returns true when it was created, false when it already existed
 * @throws Error when the table does not become active within 10 s
 */
export async function ensureJobTable(client: DynamoDBClient, name: string): Promise<boolean> {
  let created = false;
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    try {
      await client.send(new CreateTableCommand(jobTableDefinition(name)));
      created = true;
    } catch (createErr) {
      // Created meanwhile by another process of the same stack: fine.
      if (!(createErr instanceof ResourceInUseException)) throw createErr;
    }
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return created;
    if (Date.now() > deadline) throw new Error(`table ${name} is still ${Table?.TableStatus ?? 'unknown'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A DynamoDB document client for the jobs' table: fails fast (a stopped
 * local server must give a 503 in seconds, not hang a request), talks to
 * `DYNAMODB_ENDPOINT` with dummy credentials when it is set, and drops
 * `undefined` attributes (optional job fields).
 *
 * @param config - the service's configuration (region, endpoint)
 */
export function createJobTableClient(
  config: Pick<Config, 'region' | 'dynamodbEndpoint'>,
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: config.region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
    ...(config.dynamodbEndpoint !== undefined && {
      endpoint: config.dynamodbEndpoint,
      credentials: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'local',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'local',
      },
    }),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
