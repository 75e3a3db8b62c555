/**
 * Chaos (`npm run chaos`): the path races of issue 12, through the whole
 * stack as an attacker with write access to the storage would run them.
 *
 * - Input race: `race/in.csv` (then `race/in.xml`) alternates between a
 *   regular file and a symlink to a file outside the storage while 60
 *   `non_null` jobs read it.
 *   Before the storage opened files by descriptor, 7 of 60 jobs copied the
 *   outside file and succeeded.
 * - Output race: an inotify watcher swaps every output folder `raceout/NEW-i`
 *   the worker creates for a symlink to an outside folder, the moment it
 *   appears. Before, 13 of 60 jobs wrote outside and orphan `.tmp` files
 *   were left in the storage.
 *
 * Every job must end; none may read or write outside; no temporary file may remain.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { call, makeToken, waitForJob, type Job } from '../e2e/support/client.js';
import { spawnStack, type StackProcess } from '../e2e/support/stack-process.js';
import { makeRaceTree, swapInput, swapNewFolders } from '../unit/support/path-swapper.js';

const SECRET = randomBytes(24).toString('hex');
const JOBS = 60;
let base: string;
let root: string;
let outside: string;
let stack: StackProcess | undefined;
let token: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dataframe-jobs-path-races-')));
  ({ root, outside } = await makeRaceTree(base));
  await mkdir(path.join(root, 'raceout'));
  stack = await spawnStack({ root, jwtSecret: SECRET, env: { WORKER_VISIBILITY_TIMEOUT: '2' } });
  token = await makeToken(SECRET, { sub: 'racer' });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await rm(base, { recursive: true, force: true });
});

/** Files whose name ends in `.tmp` under `folder`, the service's own state excepted. */
async function temporaries(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.name.endsWith('.tmp'))
    .map((e) => path.relative(folder, path.join(e.parentPath, e.name)))
    .filter((rel) => !rel.startsWith('.'));
}

/** Submits `bodies` from 8 clients, then waits for every accepted job to end. */
async function runAll(
  bodies: Record<string, unknown>[],
): Promise<{ refused: Record<number, number>; jobs: Job[] }> {
  const url = stack?.url ?? '';
  const refused: Record<number, number> = {};
  const ids: string[] = [];
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await call(url, 'POST', '/compute/non_null', { token, body });
      if (res.status === 202) ids.push((res.body as Job).job_id);
      else refused[res.status] = (refused[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, client));
  const jobs = await Promise.all(ids.map((id) => waitForJob(url, token, id, undefined, 120_000)));
  return { refused, jobs };
}

test.each([
  ['csv', 'a\ninside\n', 'secret.csv'],
  ['xml', '<rows><row><a>inside</a></row></rows>', 'secret.xml'],
])(
  'jobs reading a %s input swapped with a symlink to an outside file never read it',
  async (format, content, secret) => {
    const file = path.join(root, 'race', `in.${format}`);
    await writeFile(file, content);
    const swapper = await swapInput(file, path.join(outside, secret), content);
    let outcome: Awaited<ReturnType<typeof runAll>>;
    try {
      outcome = await runAll(
        Array.from({ length: JOBS }, (_, i) => ({
          input: `race/in.${format}`,
          columns: ['a'],
          output: `out/${format}-${i}.csv`,
          output_format: 'csv',
        })),
      );
    } finally {
      await swapper.stop();
    }
    const succeeded = outcome.jobs.filter((j) => j.status === 'succeeded');
    let escaped = 0;
    for (const job of succeeded) {
      if ((await readFile(path.join(root, job.output), 'utf8')).includes('OUTSIDE')) escaped++;
    }
    const failed = outcome.jobs.filter((j) => j.status === 'failed').map((j) => j.error?.code);
    process.stdout.write(
      `path-races input (${format}): ${succeeded.length} succeeded, ${failed.length} failed ` +
        `(${[...new Set(failed)].join(',')}), refused ${JSON.stringify(outcome.refused)}, ${escaped} escaped\n`,
    );
    expect(escaped).toBe(0);
    expect(failed.every((code) => code === 'invalid_path')).toBe(true);
    expect(Object.keys(outcome.refused).every((status) => status === '400')).toBe(true);
    expect(succeeded.length).toBeGreaterThan(0);
  },
  300_000,
);

test('jobs whose new output folder is swapped for a symlink write nothing outside and leave no temporary file', async () => {
  const swapper = await swapNewFolders(path.join(root, 'raceout'), 'NEW-', path.join(outside, 'dir'));
  let outcome: Awaited<ReturnType<typeof runAll>>;
  let swaps: number;
  try {
    outcome = await runAll(
      Array.from({ length: JOBS }, (_, i) => ({
        input: 'in/small.csv',
        columns: ['a'],
        output: `raceout/NEW-${i}/out.${i % 2 === 0 ? 'csv' : 'xml'}`,
        output_format: i % 2 === 0 ? 'csv' : 'xml',
      })),
    );
  } finally {
    swaps = await swapper.stop();
  }
  const written = await readdir(path.join(outside, 'dir'));
  const orphans = [...(await temporaries(root)), ...(await temporaries(outside))];
  const byStatus = outcome.jobs.reduce<Record<string, number>>((acc, j) => {
    acc[j.status] = (acc[j.status] ?? 0) + 1;
    return acc;
  }, {});
  process.stdout.write(
    `path-races output: ${swaps} swaps, jobs ${JSON.stringify(byStatus)}, refused ${JSON.stringify(outcome.refused)}, ` +
      `${written.length} written outside, ${orphans.length} orphans\n`,
  );
  expect(swaps).toBeGreaterThan(0);
  expect(written).toEqual([]);
  expect(orphans).toEqual([]);
  expect(outcome.jobs.every((j) => j.status === 'succeeded' || j.error?.code === 'invalid_path')).toBe(true);
}, 300_000);
