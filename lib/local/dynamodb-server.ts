/**
 * The local DynamoDB server: dynalite, in-process, bound to the loopback
 * interface, persisting its tables in LevelDB when given a folder.
 *
 * dynalite 4.0.0 implements the item, query and table operations the job
 * store uses (conditional `PutItem`/`UpdateItem`/`DeleteItem`, `Query` on
 * global secondary indexes, sparse ones included), but not
 * `TransactWriteItems` nor `UpdateTimeToLive` (it answers
 * `UnknownOperationException`), and it never deletes expired items: the store
 * is written for those limits (see `JobStore`).
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import dynalite from 'dynalite';
import { Level } from 'level';

/** Options of {@link startLocalDynamo}. */
export interface LocalDynamoOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** LevelDB folder; absent keeps everything in memory (unit tests). */
  readonly dataDir?: string;
}

/** A running local DynamoDB server. */
export interface LocalDynamo {
  /** Endpoint for `DynamoDBClient({ endpoint })`, e.g. `http://127.0.0.1:8000`. */
  readonly endpoint: string;
  /** The port actually bound. */
  readonly port: number;
  /** Stops the server and closes its database. Idempotent. */
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** How long a start waits for the data folder's previous owner to let it go. */
const FOLDER_WAIT_MS = 15_000;

/**
 * Waits until the LevelDB folder can be opened: a stack killed a moment ago (SIGKILL of its main process)
 * leaves its DynamoDB process closing for a few milliseconds, and dynalite itself would only find the
 * folder locked at its first request, as an uncaught error.
 *
 * @throws Error naming the folder when it cannot be opened (a full disk), or another process still holds it
 *   after `FOLDER_WAIT_MS`
 */
async function waitForFolder(dataDir: string): Promise<void> {
  const deadline = Date.now() + FOLDER_WAIT_MS;
  for (;;) {
    const db = new Level(dataDir);
    try {
      await db.open();
      await db.close();
      return;
    } catch (err) {
      const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
      if (cause?.code !== 'LEVEL_LOCKED') {
        // E.g. a full disk: LevelDB writes a new log file at every open.
        const reason = typeof cause?.message === 'string' ? cause.message : String(err);
        throw new Error(`the local DynamoDB data folder ${dataDir} cannot be opened: ${reason}`, {
          cause: err,
        });
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `the local DynamoDB data folder ${dataDir} is in use by another process (is another npm start running?)`,
          { cause: err },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Starts dynalite on 127.0.0.1.
 *
 * @param options - port and optional persistence folder
 * @returns the endpoint and a `stop` function
 * @throws when the port is taken (`EADDRINUSE`), or the data folder cannot be opened or stays held by
 *   another process for 15 s
 * @example
 * ```ts
 * const db = await startLocalDynamo({ port: 8000, dataDir: 'local-hdfs/.dynamodb' });
 * // ... new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1' })
 * await db.stop();
 * ```
 */
export async function startLocalDynamo(options: LocalDynamoOptions): Promise<LocalDynamo> {
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true });
    await waitForFolder(options.dataDir);
  }
  // Tables become ACTIVE at once: nothing is gained locally by dynalite's simulated 500 ms.
  const server = dynalite({ createTableMs: 0, ...(options.dataDir ? { path: options.dataDir } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: LOOPBACK }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    port,
    stop: () =>
      (stopping ??= new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
        // Keep-alive connections of the clients would otherwise hold the close for its 30 s timeout.
        server.closeAllConnections();
      })),
  };
}
