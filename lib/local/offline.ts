/**
 * Runs `serverless offline` (Serverless Framework v3 with serverless-esbuild
 * and serverless-offline) as a child process on the project's Node.js, and
 * stops it without leaving an orphan behind.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LocalLogger } from './local-log.js';
import { waitForPort } from './ports.js';

/** Options of {@link startOffline}. */
export interface OfflineOptions {
  /** The service folder, where `serverless.yml` is. */
  readonly serviceDir: string;
  /** Stage whose `params` apply (`local`). */
  readonly stage: string;
  readonly httpPort: number;
  readonly lambdaPort: number;
  /**
   * Folder under `.esbuild/` for this stack's bundles, so that two stacks
   * (a developer's and the end-to-end tests') never share a build folder.
   */
  readonly buildName: string;
  /** Environment of the child: the variables `serverless.yml` reads, on top of this process's. */
  readonly env: Readonly<Record<string, string>>;
  /** How long bundling and starting may take. */
  readonly readyTimeoutMs: number;
  readonly log: LocalLogger;
}

/** A running serverless-offline. */
export interface OfflineProcess {
  readonly pid: number;
  /** Resolves with the exit code (or signal name) when the child ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Preloaded into the child: exits when this process disappears without
 * having stopped it (e.g. killed with SIGKILL), which reparents the child.
 * A `data:` URL keeps it free of any loader or build step.
 */
const ORPHAN_GUARD = `
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM'); }, 500).unref();
`;

/** Variables that keep Serverless Framework v3 off the network. */
const OFFLINE_FRAMEWORK_ENV: Readonly<Record<string, string>> = {
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  SLS_DEPRECATION_DISABLE: '*',
  // Two lines per request at "notice" cost a synchronous write each; the service logs its own access line.
  SLS_LOG_LEVEL: process.env.SLS_LOG_LEVEL ?? 'warning',
};

function serverlessBin(serviceDir: string): string {
  const require = createRequire(path.join(serviceDir, 'package.json'));
  return path.join(path.dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
}

/**
 * Starts `serverless offline start --stage <stage>` and waits until its HTTP
 * and Lambda ports accept connections.
 *
 * Dummy AWS credentials are set when none are present: serverless-offline
 * copies the `AWS_*` variables into the functions, whose SDK clients talk to
 * the local SQS server and need some credentials to sign with. No call ever
 * reaches AWS.
 *
 * @param options - ports, stage, build folder, environment
 * @returns the running process
 * @throws Error when the child exits or the ports stay closed past the timeout
 */
export async function startOffline(options: OfflineOptions): Promise<OfflineProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID || 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY || 'local',
    ...OFFLINE_FRAMEWORK_ENV,
    ...options.env,
    // Every submission makes ~15 file-system calls, one an fsync; libuv's default 4 threads queue
    // them behind each other under a burst (the HTTP functions all run in this one process).
    UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE || '16',
    PORT: String(options.httpPort),
    LAMBDA_PORT: String(options.lambdaPort),
    ESBUILD_WORK_NAME: options.buildName,
  };
  const args = [
    '--enable-source-maps',
    '--no-warnings=ExperimentalWarning',
    '--import',
    `data:text/javascript,${encodeURIComponent(ORPHAN_GUARD)}`,
    serverlessBin(options.serviceDir),
    'offline',
    'start',
    '--stage',
    options.stage,
    '--noSponsor',
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: options.serviceDir,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const stop = makeStop(child, exited, () => running);
  const deadline = Date.now() + options.readyTimeoutMs;
  const ready =
    (await waitForPort(options.lambdaPort, deadline, () => running)) &&
    (await waitForPort(options.httpPort, deadline, () => running));
  if (!ready) {
    await stop(2000);
    throw new Error(
      running
        ? `serverless offline did not open ports ${options.httpPort}/${options.lambdaPort} within ${options.readyTimeoutMs} ms`
        : `serverless offline exited during startup (${String(await exited)}); see its output above`,
    );
  }
  options.log('debug', 'serverless offline is up', { pid: child.pid, port: options.httpPort });
  return { pid: child.pid ?? -1, exited, stop };
}

function makeStop(
  child: ChildProcess,
  exited: Promise<number | string>,
  running: () => boolean,
): (graceMs?: number) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (graceMs = 5000) =>
    (stopping ??= (async () => {
      if (!running()) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const first = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (first === 'timeout' && running()) {
        child.kill('SIGKILL');
        await exited;
      }
    })());
}
