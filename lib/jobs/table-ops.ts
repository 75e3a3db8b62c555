/**
 * The few DynamoDB calls the store makes, with the table's errors turned
 * into the service's: a refused condition is the caller's business (a lost
 * race), anything else (the server unreachable, throttled, failing) is a
 * `StorageError`, which the worker retries and the HTTP API answers 503.
 *
 * @module
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StorageError } from '../errors.js';

/** Where the store's items live. */
export interface JobTable {
  /** A document client (see `createJobTableClient`). */
  readonly client: DynamoDBDocumentClient;
  /** The table's name (`JOBS_TABLE`). */
  readonly name: string;
}

/** The commands the store sends. */
export type TableCommand = GetCommand | PutCommand | UpdateCommand | DeleteCommand | QueryCommand;

/** True when a write was refused by its condition. */
export const isConditionFailed = (err: unknown): boolean => err instanceof ConditionalCheckFailedException;

/**
 * Sends a command of the document client; a refused condition is rethrown
 * as is, every other failure as a `StorageError` without the SDK's details.
 *
 * @throws `ConditionalCheckFailedException` when the write's condition was false
 * @throws `StorageError` when the table cannot be reached or refuses the request
 */
export async function send<T = unknown>(table: JobTable, command: TableCommand): Promise<T> {
  // The client's `send` is overloaded per command; one signature for the five the store uses.
  const sendOne = table.client.send.bind(table.client) as (c: TableCommand) => Promise<unknown>;
  try {
    return (await sendOne(command)) as T;
  } catch (err) {
    if (isConditionFailed(err)) throw err;
    const name = err instanceof Error ? err.name : 'Error';
    const code = (err as NodeJS.ErrnoException | null)?.code;
    throw new StorageError(
      `the job state database cannot be reached or refused the request (${name})`,
      typeof code === 'string' ? code : name,
    );
  }
}

/** Waits a little, more after each lost race, with jitter so that racers do not collide again. */
export async function backoff(attempt: number): Promise<void> {
  const ms = Math.min(2 + attempt * 3, 40) * (0.5 + Math.random());
  await new Promise((r) => setTimeout(r, ms));
}
