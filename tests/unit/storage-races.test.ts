/**
 * Paths under races: someone who can write in the storage swaps names while
 * jobs run. A file is opened once, by descriptor, and everything reads that
 * descriptor; outputs are created relative to folders already opened. The
 * long versions, through the whole stack, are in tests/chaos/path-races.test.ts.
 */
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { connectTo } from '../../lib/engine/database.js';
import { runCompute } from '../../lib/engine/index.js';
import { Params, rowsWith } from '../../lib/engine/sql.js';
import { isAppError } from '../../lib/errors.js';
import { Storage } from '../../lib/storage/storage.js';
import { makeRaceTree, swapInput, swapNewFolders } from './support/path-swapper.js';

let base: string;
let root: string;
let outside: string;
let storage: Storage;

/** Column `a` of a CSV as DuckDB reads it, under the engine's confinement to the storage root. */
async function duckdbColumnA(csvPath: string): Promise<unknown[][]> {
  const connection = await connectTo(await storage.realRoot());
  try {
    const params = new Params();
    return await rowsWith(connection, `SELECT a FROM read_csv(${params.text(csvPath)})`, params);
  } finally {
    connection.closeSync();
  }
}

beforeEach(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'races-')));
  ({ root, outside } = await makeRaceTree(base));
  storage = new Storage(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Every file under `folder` whose name ends in `.tmp`, as paths relative to it. */
async function temporaries(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.name.endsWith('.tmp'))
    .map((e) => path.relative(folder, path.join(e.parentPath, e.name)));
}

describe('an opened input', () => {
  test('is read through its descriptor: a name swapped after the check changes nothing', async () => {
    await writeFile(path.join(root, 'race', 'in.csv'), 'a\ninside\n');
    const input = await storage.openInput('race/in.csv');
    try {
      await rename(path.join(root, 'race', 'in.csv'), path.join(root, 'race', 'moved.csv'));
      await symlink(path.join(outside, 'secret.csv'), path.join(root, 'race', 'in.csv'));
      expect(input.path).toMatch(/^\/proc\/self\/fd\/\d+$/);
      expect(await readFile(input.path, 'utf8')).toBe('a\ninside\n');
      // DuckDB too reads the descriptor, and its own confinement accepts it: the file is inside the root.
      expect(await duckdbColumnA(input.path)).toEqual([['inside']]);
    } finally {
      await input.close();
    }
  });

  test('is still read once its name was deleted or replaced', async () => {
    await writeFile(path.join(root, 'race', 'in.csv'), 'a\ninside\n');
    const input = await storage.openInput('race/in.csv');
    try {
      await writeFile(path.join(root, 'race', 'other.csv'), 'a\nother\n');
      await rename(path.join(root, 'race', 'other.csv'), path.join(root, 'race', 'in.csv'));
      expect(await duckdbColumnA(input.path)).toEqual([['inside']]);
    } finally {
      await input.close();
    }
  });

  test('outside the root is still refused by DuckDB itself, even through a descriptor path', async () => {
    const { open } = await import('node:fs/promises');
    const handle = await open(path.join(outside, 'secret.csv'), 'r');
    const connection = await connectTo(await storage.realRoot());
    try {
      const params = new Params();
      await expect(
        rowsWith(connection, `SELECT * FROM read_csv(${params.text(`/proc/self/fd/${handle.fd}`)})`, params),
      ).rejects.toThrow(/Permission Error/);
    } finally {
      connection.closeSync();
      await handle.close();
    }
  });
});

describe('the input race', () => {
  test.each([
    ['csv', 'a\ninside\n', 'secret.csv'],
    ['xml', '<rows><row><a>inside</a></row></rows>', 'secret.xml'],
  ])(
    'jobs reading a %s input swapped with a symlink to an outside file never read it',
    async (format, content, secret) => {
      const file = path.join(root, 'race', `in.${format}`);
      await writeFile(file, content);
      const swapper = await swapInput(file, path.join(outside, secret), content);
      const outcomes = { succeeded: 0, refused: 0, escaped: 0 };
      try {
        for (let i = 0; i < 40; i++) {
          const request = {
            operation: 'non_null',
            input: `race/in.${format}`,
            columns: ['a'],
            output: `out/${format}-${i}.csv`,
            output_format: 'csv',
          } as ComputeRequest;
          try {
            await runCompute(storage, request);
            outcomes.succeeded++;
            if ((await readFile(path.join(root, request.output), 'utf8')).includes('OUTSIDE'))
              outcomes.escaped++;
          } catch (err) {
            if (!isAppError(err) || err.code !== 'invalid_path') throw err;
            outcomes.refused++;
          }
        }
      } finally {
        expect(await swapper.stop()).toBeGreaterThan(0);
      }
      process.stdout.write(`input race (${format}): ${JSON.stringify(outcomes)}\n`);
      expect(outcomes.escaped).toBe(0);
      // The race was on: some jobs met the symlink, some the file.
      expect(outcomes.refused).toBeGreaterThan(0);
      expect(outcomes.succeeded).toBeGreaterThan(0);
    },
  );
});

describe('the output race', () => {
  test('a new output folder swapped for a symlink at once receives nothing outside, and leaves no temporary file', async () => {
    await mkdir(path.join(root, 'raceout'));
    const swapper = await swapNewFolders(path.join(root, 'raceout'), 'NEW-', path.join(outside, 'dir'));
    const outcomes = { succeeded: 0, refused: 0 };
    let swaps: number;
    try {
      for (let i = 0; i < 40; i++) {
        const request = {
          operation: 'non_null',
          input: 'in/small.csv',
          columns: ['a'],
          output: `raceout/NEW-${i}/out.${i % 2 === 0 ? 'csv' : 'xml'}`,
          output_format: i % 2 === 0 ? 'csv' : 'xml',
        } as ComputeRequest;
        try {
          await runCompute(storage, request);
          outcomes.succeeded++;
        } catch (err) {
          if (!isAppError(err) || err.code !== 'invalid_path') throw err;
          outcomes.refused++;
        }
        // Sometimes the watcher wins before the job's folder is opened, sometimes after.
        if (i % 3 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    } finally {
      swaps = await swapper.stop();
    }
    const escaped = await readdir(path.join(outside, 'dir'));
    const orphans = [...(await temporaries(root)), ...(await temporaries(outside))];
    process.stdout.write(
      `output race (jobs): ${swaps} swaps, ${JSON.stringify(outcomes)}, ${escaped.length} written outside, ${orphans.length} orphans\n`,
    );
    expect(swaps).toBeGreaterThan(0);
    expect(escaped).toEqual([]);
    expect(orphans).toEqual([]);
    expect(outcomes.succeeded + outcomes.refused).toBe(40);
  });

  test('writes of the storage itself into swapped folders stay inside too', async () => {
    await mkdir(path.join(root, 'raceout'));
    const swapper = await swapNewFolders(path.join(root, 'raceout'), 'NEW-', path.join(outside, 'dir'));
    let swaps: number;
    try {
      const writes = Array.from({ length: 60 }, (_, i) =>
        storage.writeAtomic(`raceout/NEW-${i}/deeper/out.txt`, (sink) => sink.write('inside')),
      );
      await Promise.allSettled(writes);
    } finally {
      swaps = await swapper.stop();
    }
    const escaped = await readdir(path.join(outside, 'dir'));
    const orphans = await temporaries(root);
    process.stdout.write(
      `output race (storage writes): ${swaps} swaps, ${escaped.length} written outside, ${orphans.length} orphans\n`,
    );
    expect(swaps).toBeGreaterThan(0);
    expect(escaped).toEqual([]);
    expect(orphans).toEqual([]);
  });
});
