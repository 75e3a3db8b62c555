/**
 * The local SQS server: fauxqs, in-process, bound to the loopback interface,
 * persisting its queues and messages in SQLite when given a folder.
 *
 * For fault tests, its listener can be closed and opened again while the
 * process runs (an SQS endpoint that refuses connections, then comes back):
 * {@link LocalSqs.setListening}, or from outside the process, the signal
 * named by `SQS_OUTAGE_SIGNAL` (e.g. `SQS_OUTAGE_SIGNAL=SIGUSR2 npm start`,
 * then `kill -USR2 <pid>` to close, again to reopen). Unset, no signal is
 * handled.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
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
  /**
   * A signal that toggles the listener ({@link LocalSqs.setListening}), for
   * fault tests; `SQS_OUTAGE_SIGNAL` when absent, none when that is unset.
   */
  readonly outageSignal?: NodeJS.Signals;
}

/** A running local SQS server. */
export interface LocalSqs {
  /** Endpoint for `SQSClient({ endpoint })`, e.g. `http://127.0.0.1:9324`. */
  readonly endpoint: string;
  /** The port actually bound. */
  readonly port: number;
  /**
   * Closes the listener, dropping every open connection, so that clients get
   * `ECONNREFUSED` (`false`); or listens again on the same port (`true`).
   * Queues and messages are kept. A no-op when already in that state.
   */
  setListening(open: boolean): Promise<void>;
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
async function withLoopbackListen<T>(
  start: () => Promise<T>,
): Promise<{ started: T; listener?: net.Server }> {
  const original = net.Server.prototype.listen;
  let listener: net.Server | undefined;
  const patched = function (this: net.Server, ...args: unknown[]): net.Server {
    const [first] = args;
    if (first !== null && typeof first === 'object' && (first as net.ListenOptions).host === ANY_IPV4) {
      args[0] = { ...(first as net.ListenOptions), host: LOOPBACK };
      // The server fauxqs listens with, kept to close and reopen it (LocalSqs.setListening).
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      listener = this;
    }
    return (original as (...a: unknown[]) => net.Server).apply(this, args);
  };
  net.Server.prototype.listen = patched as typeof original;
  try {
    const started = await start();
    return { started, ...(listener && { listener }) };
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
  const { started: server, listener } = await withLoopbackListen(() =>
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
  let listening = true;
  const setListening = async (open: boolean): Promise<void> => {
    if (open === listening) return;
    if (!listener) throw new Error('the SQS listener was not found; it cannot be closed or reopened');
    if (open) {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ port: server.port, host: LOOPBACK }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
    } else {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      // Keep-alive connections would otherwise go on being served.
      (listener as Server).closeAllConnections();
      await closed;
    }
    listening = open;
  };
  const signal = options.outageSignal ?? (process.env.SQS_OUTAGE_SIGNAL as NodeJS.Signals | undefined);
  const onSignal = (): void => {
    setListening(!listening).then(
      () => process.stdout.write(`SQS listener ${listening ? 'open' : 'closed'} (${signal})\n`),
      (err: unknown) => process.stderr.write(`toggling the SQS listener failed: ${String(err)}\n`),
    );
  };
  if (signal) process.on(signal, onSignal);
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${server.port}`,
    port: server.port,
    setListening,
    stop: () =>
      (stopping ??= (async () => {
        if (signal) process.off(signal, onSignal);
        // fauxqs closes its own listener: give it an open one.
        await setListening(true);
        await server.stop();
      })()),
  };
}
