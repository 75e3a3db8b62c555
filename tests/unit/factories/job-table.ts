import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createJobTableClient, ensureJobTable } from '../../../lib/jobs/job-table.js';
import type { JobTable } from '../../../lib/jobs/table-ops.js';
import { startLocalDynamo, type LocalDynamo } from '../../../lib/local/dynamodb-server.js';

/** One in-memory dynalite per test file (each file has its own module registry), stopped after it. */
let server: Promise<LocalDynamo> | undefined;
let tables = 0;

afterAll(async () => {
  if (server) await (await server).stop();
});

/**
 * A fresh, empty jobs table on the test file's in-memory dynalite (the real
 * local server, as the stack runs it, not a mock).
 */
export async function testJobTable(): Promise<JobTable & { endpoint: string }> {
  server ??= startLocalDynamo({ port: 0 });
  const db = await server;
  const name = `jobs-${(tables += 1)}`;
  const raw = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureJobTable(raw, name);
  } finally {
    raw.destroy();
  }
  return {
    client: createJobTableClient({ region: 'us-east-1', dynamodbEndpoint: db.endpoint }),
    name,
    endpoint: db.endpoint,
  };
}
