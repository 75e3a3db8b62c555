/**
 * `npm run queues -- <command>`: looks after the local stack's queues
 * (`npm start` must be running).
 *
 * - `depth`: messages waiting, in flight and delayed in `compute-jobs` and `compute-jobs-dlq`
 * - `peek [--limit N]`: the DLQ's messages with their job ids and failure reasons, left in place
 * - `redrive`: moves the DLQ's messages back to `compute-jobs` (replaces `start-message-move-task`)
 * - `purge --yes [--dlq]`: deletes every message of `compute-jobs` (or of the DLQ with `--dlq`)
 *
 * The server is `SQS_ENDPOINT`, else `http://127.0.0.1:<SQS_PORT>` (9324); job reasons are read
 * from the job store under `HDFS_ROOT`.
 */
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NotFoundError } from '../lib/errors.js';
import { JobStore } from '../lib/jobs/job-store.js';
import { createJobTableClient } from '../lib/jobs/job-table.js';
import { LocalQueuesUnavailableError, QueueAdmin, type ReasonLookup } from '../lib/local/queue-admin.js';
import { localSettings } from '../lib/local/settings.js';
import { Storage } from '../lib/storage/storage.js';

const USAGE = 'usage: npm run queues -- depth | peek [--limit N] | redrive | purge --yes [--dlq]';

const { values, positionals } = parseArgs({
  options: {
    yes: { type: 'boolean', default: false },
    dlq: { type: 'boolean', default: false },
    limit: { type: 'string', default: '100' },
  },
  allowPositionals: true,
  strict: true,
});

const settings = localSettings();
const endpoint = process.env.SQS_ENDPOINT?.trim() || `http://127.0.0.1:${settings.sqsPort}`;
const admin = new QueueAdmin(
  new SQSClient({
    endpoint,
    region: settings.region,
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
  endpoint,
);
// Job reasons come from the stack's table: `DYNAMODB_ENDPOINT`, else `http://127.0.0.1:<DYNAMODB_PORT>` (8000).
const store = new JobStore(
  new Storage(settings.hdfsRoot),
  {
    client: createJobTableClient({
      region: settings.region,
      dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT?.trim() || `http://127.0.0.1:${settings.dynamodbPort}`,
    }),
    name: settings.jobsTable,
  },
  { retentionDays: 30 },
);
const reasonOf: ReasonLookup = async (jobId) => {
  try {
    const job = await store.get(jobId);
    return job.error ? `${job.error.code}: ${job.error.message}` : `job is ${job.status}, no error recorded`;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    return `job unreadable (${(err as Error).message})`;
  }
};

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'depth': {
      for (const d of await admin.depth()) {
        process.stdout.write(
          `${d.queue}: ${d.visible} visible, ${d.inFlight} in flight, ${d.delayed} delayed\n`,
        );
      }
      return 0;
    }
    case 'peek': {
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError('--limit must be a positive integer');
      const letters = await admin.peek(reasonOf, limit);
      if (letters.length === 0) process.stdout.write('compute-jobs-dlq is empty\n');
      for (const l of letters) {
        process.stdout.write(
          `${l.jobId ?? '(no job id)'}  receives=${l.receiveCount}  ${l.reason}  [message ${l.messageId}]\n`,
        );
      }
      return 0;
    }
    case 'redrive':
      process.stdout.write(
        `moved ${await admin.redrive()} message(s) from compute-jobs-dlq to compute-jobs\n`,
      );
      return 0;
    case 'purge': {
      const queue = values.dlq ? 'compute-jobs-dlq' : 'compute-jobs';
      if (!values.yes) {
        process.stderr.write(`purge deletes every message of ${queue}: add --yes to confirm\n`);
        return 2;
      }
      await admin.purge(values.dlq ? 'deadLetter' : 'jobs');
      process.stdout.write(`purged ${queue}\n`);
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

try {
  process.exitCode = await main(positionals[0]);
} catch (err) {
  if (err instanceof LocalQueuesUnavailableError || err instanceof RangeError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  } else throw err;
} finally {
  admin.client.destroy();
}
