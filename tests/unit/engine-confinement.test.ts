import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectTo } from '../../lib/engine/database.js';
import { runCompute } from '../../lib/engine/index.js';
import { Params, quoteIdent, rowsWith } from '../../lib/engine/sql.js';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { Storage } from '../../lib/storage/storage.js';

let root: string;
let outside: string;

beforeAll(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'confined-')));
  outside = await realpath(await mkdtemp(path.join(os.tmpdir(), 'outside-')));
  await writeFile(path.join(outside, 'secret.csv'), 'token\nhunter2\n');
  await mkdir(path.join(root, 'in'));
  await writeFile(path.join(root, 'in', 'ok.csv'), 'a\n1\n');
  await symlink(path.join(outside, 'secret.csv'), path.join(root, 'in', 'link.csv'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function read(file: string): Promise<unknown> {
  const connection = await connectTo(root);
  try {
    const params = new Params();
    return await rowsWith(connection, `SELECT * FROM read_csv(${params.text(file)})`, params);
  } finally {
    connection.closeSync();
  }
}

describe('the engine database', () => {
  test('reads a file inside the storage root', async () => {
    expect(await read(path.join(root, 'in', 'ok.csv'))).toEqual([[1n]]);
  });

  test.each([
    ['an absolute path outside the root', () => path.join(outside, 'secret.csv')],
    [
      'a path that climbs out of the root with ..',
      () => path.join(root, '..', path.basename(outside), 'secret.csv'),
    ],
    ['a symlink inside the root that points outside', () => path.join(root, 'in', 'link.csv')],
    ['a system file', () => '/etc/passwd'],
    ["the process's environment (in Lambda, its credentials)", () => '/proc/self/environ'],
  ])('refuses %s even when the storage check is bypassed', async (_what, file) => {
    await expect(read(file())).rejects.toThrow(/Permission Error/);
  });

  test('refuses to write outside the root', async () => {
    const connection = await connectTo(root);
    try {
      const params = new Params();
      await expect(
        rowsWith(connection, `COPY (SELECT 1) TO ${params.text(path.join(outside, 'x.csv'))}`, params),
      ).rejects.toThrow(/Permission Error/);
    } finally {
      connection.closeSync();
    }
  });

  test('cannot have its confinement lifted by a later statement', async () => {
    const connection = await connectTo(root);
    try {
      await expect(connection.run('SET enable_external_access = true')).rejects.toThrow(/locked/);
      await expect(connection.run("SET allowed_directories = ['/']")).rejects.toThrow(/locked/);
    } finally {
      connection.closeSync();
    }
  });
});

describe('identifiers', () => {
  test.each([
    'plain',
    'a"b',
    'back\\slash',
    'semi;colon',
    'dash--dash',
    'new\nline',
    'ünï €',
    '"; DROP TABLE x; --',
  ])('the column name %j is quoted into one identifier', async (name) => {
    expect(quoteIdent(name)).toBe(`"${name.replaceAll('"', '""')}"`);
    const connection = await connectTo(root);
    try {
      const rows = await rowsWith(connection, `SELECT 1 AS ${quoteIdent(name)}`, new Params());
      expect(rows).toEqual([[1]]);
    } finally {
      connection.closeSync();
    }
  });

  test('hostile column names travel through every operation as data, never as SQL', async () => {
    const names = ['a"b', 'semi;colon', 'x --y', 'new\nline'];
    const header = names.map((n) => `"${n.replaceAll('"', '""')}"`).join(',');
    await writeFile(path.join(root, 'in', 'hostile.csv'), `${header}\n1,2,3,4\n1,5,6,7\n`);
    const storage = new Storage(root);
    const base = { input: 'in/hostile.csv', output_format: 'json' } as const;
    await runCompute(storage, {
      ...base,
      operation: 'stats',
      columns: names,
      output: 'out/s.json',
    } as ComputeRequest);
    await runCompute(storage, {
      ...base,
      operation: 'group_by',
      columns: ['a"b'],
      aggregations: { 'semi;colon': ['sum'], 'new\nline': ['max'] },
      output: 'out/g.json',
    } as ComputeRequest);
    const { readFile } = await import('node:fs/promises');
    const groups = JSON.parse(await readFile(path.join(root, 'out', 'g.json'), 'utf8')) as unknown;
    expect(groups).toEqual([{ 'a"b': 1, count: 2, 'semi;colon_sum': 7, 'new\nline_max': 7 }]);
  });
});
