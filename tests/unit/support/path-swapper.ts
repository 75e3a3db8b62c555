/**
 * An attacker who can write in the storage, in a process of its own, for
 * the path-race tests: it swaps names as fast as it can while jobs run.
 * Node has no `renameat2(RENAME_EXCHANGE)`, so a swap is two renames; that
 * leaves the name a regular file or a symlink, each about half of the time.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A running swapper. */
export interface Swapper {
  /** Stops it and tells how many swaps it made. */
  stop(): Promise<number>;
}

/** Runs `code` (an ES module body with `args` in scope) in a child process until stopped. */
function run(code: string, args: Record<string, string>): Promise<Swapper> {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, SWAP_ARGS: JSON.stringify(args) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // The child says "ready" once its first swap is done, so the race is on when jobs start.
    const ready = (): void => {
      if (!out.includes('ready')) return;
      child.stdout!.off('data', ready);
      resolve({
        stop: () =>
          new Promise<number>((done) => {
            child.once('exit', () => done(Number(/swaps=(\d+)/.exec(out)?.[1] ?? 0)));
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', ready);
  });
}

/**
 * Makes `file` alternate, as fast as renames go, between a regular file holding
 * `content` and a symlink to `outside`.
 *
 * @param file - absolute path of the name the jobs read
 * @param outside - absolute path of a file outside the storage
 * @param content - what the regular file holds
 */
export function swapInput(file: string, outside: string, content: string): Promise<Swapper> {
  return run(
    `
    import { renameSync, symlinkSync, writeFileSync } from 'node:fs';
    const { file, outside, content } = JSON.parse(process.env.SWAP_ARGS);
    let swaps = 0;
    let stop = false;
    process.on('SIGTERM', () => { stop = true; });
    // Each state holds for about the same time, so that jobs meet both. Replacing the regular file
    // frees its blocks, which can take milliseconds after the new name is in place: the file's
    // turn is lengthened by as much.
    const hold = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
    const tick = () => {
      for (let i = 0; i < 200 && !stop; i++) {
        symlinkSync(outside, file + '.evil');
        writeFileSync(file + '.good', content);
        const started = performance.now();
        renameSync(file + '.evil', file);
        hold(0.3);
        const symlinkTurn = performance.now() - started;
        renameSync(file + '.good', file);
        hold(symlinkTurn);
        swaps += 2;
      }
      if (swaps === 400) process.stdout.write('ready\\n');
      if (stop) { process.stdout.write('swaps=' + swaps + '\\n'); process.exit(0); }
      setImmediate(tick);
    };
    tick();
    `,
    { file, outside, content },
  );
}

/**
 * Watches `folder` (inotify, through `fs.watch`) and swaps every new entry
 * whose name starts with `prefix` for a symlink to `outside`, the moment it
 * appears: the folder the storage just created is moved to `moved-<name>`.
 */
export function swapNewFolders(folder: string, prefix: string, outside: string): Promise<Swapper> {
  return run(
    `
    import { renameSync, symlinkSync, watch } from 'node:fs';
    import path from 'node:path';
    const { folder, prefix, outside } = JSON.parse(process.env.SWAP_ARGS);
    let swaps = 0;
    watch(folder, (event, name) => {
      if (!name || !name.startsWith(prefix)) return;
      const at = path.join(folder, name);
      try {
        renameSync(at, path.join(folder, 'moved-' + name));
        symlinkSync(outside, at);
        swaps++;
      } catch {}
    });
    process.on('SIGTERM', () => { process.stdout.write('swaps=' + swaps + '\\n'); process.exit(0); });
    process.stdout.write('ready\\n');
    `,
    { folder, prefix, outside },
  );
}

/** The folders of a path-race test: the storage root and a folder outside it. */
export interface RaceTree {
  /** The storage root (`<base>/hdfs`), with `race/` and `in/small.csv`. */
  root: string;
  /** Outside the storage: `secret.csv`, `secret.xml` (both holding `OUTSIDE`) and `dir/`. */
  outside: string;
}

/**
 * Lays out the files both path-race suites attack, so that the unit and the
 * chaos versions race over the same tree.
 *
 * @param base - an empty folder, resolved (no symlink in it)
 * @returns the storage root and the outside folder
 */
export async function makeRaceTree(base: string): Promise<RaceTree> {
  const root = path.join(base, 'hdfs');
  const outside = path.join(base, 'outside');
  for (const dir of [path.join(root, 'race'), path.join(root, 'in'), path.join(outside, 'dir')]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(path.join(outside, 'secret.csv'), 'a\nOUTSIDE\n');
  await writeFile(path.join(outside, 'secret.xml'), '<rows><row><a>OUTSIDE</a></row></rows>');
  await writeFile(path.join(root, 'in', 'small.csv'), 'a\ninside\n');
  return { root, outside };
}
