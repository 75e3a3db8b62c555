/**
 * Runs the real local stack (`scripts/start.ts`, as `npm start` does) in its
 * own process group on free loopback ports, for the end-to-end tests.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../lib/local/ports.js';

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A stack started by {@link spawnStack}. */
export interface StackProcess {
  /** Base URL of the HTTP API. */
  readonly url: string;
  readonly sqsEndpoint: string;
  readonly pid: number;
  /** Everything the stack printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the whole stack process has exited. */
  readonly exited: Promise<void>;
  /** Sends `signal` to every process of the stack (its process group). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM to the group, SIGKILL after `graceMs`; then removes the stack's build folder. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link spawnStack}. */
export interface SpawnOptions {
  /** HDFS_ROOT of the stack. */
  readonly root: string;
  readonly jwtSecret: string;
  /** More environment variables (e.g. MAX_WORKER_CONCURRENCY). */
  readonly env?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
}

const MAX_OUTPUT = 512 * 1024;

/**
 * Starts `scripts/start.ts` on the project's Node.js and waits for its
 * `Stack ready: <url>` line.
 *
 * @throws Error with the stack's last output when it exits or is not ready in time
 */
export async function spawnStack(options: SpawnOptions): Promise<StackProcess> {
  const [port, sqsPort, lambdaPort, dynamodbPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const buildName = `e2e-${process.pid}-${port}`;
  const child = spawn(
    process.execPath,
    ['--no-warnings=ExperimentalWarning', '--import', 'tsx', path.join(REPO_ROOT, 'scripts/start.ts')],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        PORT: String(port),
        SQS_PORT: String(sqsPort),
        LAMBDA_PORT: String(lambdaPort),
        DYNAMODB_PORT: String(dynamodbPort),
        HDFS_ROOT: options.root,
        JWT_SECRET: options.jwtSecret,
        ESBUILD_WORK_NAME: buildName,
        LOG_LEVEL: 'warn',
        ...options.env,
      },
    },
  );
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  const pid = child.pid ?? -1;
  const kill = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = async (graceMs = 8000): Promise<void> => {
    if (alive) {
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    // Children of a killed stack (serverless-offline) exit through their orphan guard; make sure.
    kill('SIGKILL');
    await rm(path.join(REPO_ROOT, '.esbuild', buildName), { recursive: true, force: true });
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stack not ready in time; output:\n${output.slice(-4000)}`)),
      options.readyTimeoutMs ?? 120_000,
    );
    const onData = (): void => {
      const match = /^Stack ready: (\S+)$/m.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`stack exited during startup; output:\n${output.slice(-4000)}`));
    });
  }).catch(async (err: unknown) => {
    await stop(1000);
    throw err;
  });
  return {
    url,
    sqsEndpoint: `http://127.0.0.1:${sqsPort}`,
    pid,
    output: () => output,
    exited,
    kill,
    stop,
  };
}
