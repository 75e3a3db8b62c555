/**
 * Prism (`@stoplight/prism-cli`) as a validating proxy in front of a stack:
 * it forwards every request and flags, in an `sl-violations` header, what in
 * the request or the answer docs/openapi.yaml does not describe.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../../lib/local/ports.js';
import { REPO_ROOT } from './stack-process.js';

/** A running Prism proxy. */
export interface PrismProxy {
  /** Its base URL. */
  readonly url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL after 3 s) and waits for its exit. */
  stop(): Promise<void>;
}

/** One finding of Prism, as its `sl-violations` header lists them. */
export interface Violation {
  /** Where: `['request', 'body', 'columns']`, `['response', 'headers', 'location']`… */
  readonly location: readonly string[];
  readonly severity: string;
  readonly code: string | number;
  readonly message: string;
}

/** The findings of the `sl-violations` header of an answer (none when it is absent). */
export function violationsOf(headers: Headers): Violation[] {
  const raw = headers.get('sl-violations');
  return raw === null ? [] : (JSON.parse(raw) as Violation[]);
}

/**
 * Starts `prism proxy docs/openapi.yaml <upstream> --errors=false` on the
 * project's Node.js, on a free loopback port, and waits until it listens.
 *
 * @param upstream - the stack's base URL
 * @throws Error with Prism's output when it exits or does not listen within `readyTimeoutMs`
 */
export async function startPrism(upstream: string, readyTimeoutMs = 30_000): Promise<PrismProxy> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules/.bin/prism'),
      'proxy',
      path.join(REPO_ROOT, 'docs/openapi.yaml'),
      upstream,
      '--errors=false',
      '--cors=false',
      '--host=127.0.0.1',
      `--port=${port}`,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-256 * 1024);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  let listening = false;
  while (!listening && Date.now() < deadline && child.exitCode === null) {
    listening = /Prism is listening/.test(output);
    if (!listening) await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  if (!listening) {
    await stop();
    throw new Error(`prism did not start listening on ${url}:\n${output.slice(-4000)}`);
  }
  return { url, output: () => output, stop };
}
