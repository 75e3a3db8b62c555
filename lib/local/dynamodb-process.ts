/**
 * The local DynamoDB server in a process of its own, as DynamoDB is a
 * service of its own: a stack process stopped with SIGSTOP (the queue-outage
 * drill freezes the in-process SQS server that way) must not freeze the job
 * table with it. The child ends with its parent: it watches its stdin.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { LocalDynamo, LocalDynamoOptions } from './dynamodb-server.js';

const MAIN = path.join(import.meta.dirname, 'dynamodb-main.ts');

/**
 * Starts dynalite in a child process on 127.0.0.1.
 *
 * @param options - port (0 picks one) and optional persistence folder
 * @returns the endpoint and a `stop` function
 * @throws Error with the child's output when it exits or does not listen within 30 s
 */
export async function spawnLocalDynamo(options: LocalDynamoOptions): Promise<LocalDynamo> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, MAIN, String(options.port), ...(options.dataDir ? [options.dataDir] : [])],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dynalite did not start: ${output.slice(-2000)}`)),
      30_000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dynalite exited (${code}) before listening: ${output.slice(-2000)}`));
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      })),
  };
}
