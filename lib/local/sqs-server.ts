/**
 * The local SQS server: fauxqs, in-process, bound to the loopback interface,
 * persisting its queues and messages in SQLite when given a folder.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { startFauxqs } from 'fauxqs';

/** Options of {@link startLocalSqs}. */
export interface LocalSqsOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Folder of the SQLite database; absent keeps everything in memory. */
  readonly dataDir?: string;
  /** Region of the queue ARNs. */
  readonly region: string;
}

/** A running local SQS server. */
export interface LocalSqs {
  /** Endpoint for `SQSClient({ endpoint })`, e.g. `http://127.0.0.1:9324`. */
  readonly endpoint: string;
  /** The port actually bound. */
  readonly port: number;
  /** Stops the server and closes its database. Idempotent. */
  stop(): Promise<void>;
}

/** The address fauxqs 2.x always asks for, which we narrow to loopback. */
const ANY_IPV4 = '0.0.0.0';
const LOOPBACK = '127.0.0.1';

/**
 * Runs `start` while every `net.Server#listen({ host: '0.0.0.0' })` call is
 * redirected to 127.0.0.1.
 *
 * Why: fauxqs 2.4 hard-codes `host: "0.0.0.0"` in `startFauxqs` (its `host`
 * option only shapes queue URLs), and the local stack must not be reachable
 * from the network. Nothing else listens in this process while fauxqs starts,
 * and the patch is removed as soon as its `listen` call has been made.
 */
async function withLoopbackListen<T>(start: () => Promise<T>): Promise<T> {
  const original = net.Server.prototype.listen;
  const patched = function (this: net.Server, ...args: unknown[]): net.Server {
    const [first] = args;
    if (first !== null && typeof first === 'object' && (first as net.ListenOptions).host === ANY_IPV4) {
      args[0] = { ...(first as net.ListenOptions), host: LOOPBACK };
    }
    return (original as (...a: unknown[]) => net.Server).apply(this, args);
  };
  net.Server.prototype.listen = patched as typeof original;
  try {
    return await start();
  } finally {
    net.Server.prototype.listen = original;
  }
}

/**
 * Starts fauxqs on 127.0.0.1.
 *
 * @param options - port, optional persistence folder and region
 * @returns the endpoint and a `stop` function
 * @throws when the port is taken (`EADDRINUSE`) or the database cannot be opened
 * @example
 * ```ts
 * const sqs = await startLocalSqs({ port: 9324, dataDir: 'local-hdfs/.sqs', region: 'us-east-1' });
 * // ... new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1' })
 * await sqs.stop();
 * ```
 */
export async function startLocalSqs(options: LocalSqsOptions): Promise<LocalSqs> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const server = await withLoopbackListen(() =>
    startFauxqs({
      port: options.port,
      logger: false,
      defaultRegion: options.region,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    }),
  );
  const bound = new URL(server.address);
  if (bound.hostname !== LOOPBACK) {
    await server.stop();
    throw new Error(`the SQS emulator bound ${bound.hostname} instead of ${LOOPBACK}; refusing to run`);
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${server.port}`,
    port: server.port,
    stop: () => (stopping ??= server.stop()),
  };
}
