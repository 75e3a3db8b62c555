/**
 * Runs the benchmark's child processes: each measured figure comes from a
 * fresh Node process, so that its peak RSS and thread pools are its own.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

/** What every child process reports: wall time of the operation and peak RSS. */
export interface Measure {
  ms: number;
  rss_mb: number;
}

/**
 * Runs `bench/<script>` under tsx with `args` and extra environment
 * variables, and returns the JSON object of its last output line.
 *
 * @throws the child's error (with its stderr) when it exits non-zero
 */
export async function child<T extends Measure>(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<T> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], {
    maxBuffer: 512 << 20,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/**
 * Runs a child `repeat` times (fresh arguments each time, e.g. a new output
 * name): the fastest run, with the highest peak RSS seen.
 */
export async function best<T extends Measure>(
  repeat: number,
  script: string,
  args: () => readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<T> {
  let kept: T | undefined;
  let rss = 0;
  for (let i = 0; i < Math.max(1, repeat); i++) {
    const m = await child<T>(script, args(), env);
    rss = Math.max(rss, m.rss_mb);
    if (kept === undefined || m.ms < kept.ms) kept = m;
  }
  return { ...kept!, rss_mb: rss };
}
