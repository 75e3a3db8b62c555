import { mkdtemp, mkdir, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputNotFoundError, InvalidPathError, OutputExistsError } from '../../lib/errors.js';
import { Storage } from '../../lib/storage/storage.js';

let base: string;
let root: string;
let storage: Storage;

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'storage-test-'));
  root = path.join(base, 'hdfs');
  await mkdir(path.join(root, 'data'), { recursive: true });
  await writeFile(path.join(root, 'data', 'in.csv'), 'a\n1\n');
  await writeFile(path.join(base, 'secret.txt'), 'top secret');
  storage = new Storage(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('storage paths', () => {
  test.each([
    ['../secret.txt', /leaves the storage root/],
    ['data/../../secret.txt', /leaves the storage root/],
    ['/etc/passwd', /absolute/],
    ['C:/x.csv', /absolute/],
    ['data/in.csv\0.txt', /NUL/],
    ['data\\in.csv', /backslash/],
    ['', /empty/],
    ['data/', /folder/],
    ['.jobs/x.json', /reserved/],
    ['data/\n.csv', /control/],
  ])('refuses %j', (p, reason) => {
    expect(() => storage.normalize(p)).toThrow(InvalidPathError);
    expect(() => storage.normalize(p)).toThrow(reason);
  });

  test('accepts and normalises a path that stays inside the root', () => {
    expect(storage.normalize('data/./x/../in.csv')).toBe('data/in.csv');
  });

  test('opens an existing file and reports a missing one as input_not_found', async () => {
    const input = await storage.openInput('data/in.csv');
    try {
      expect(input.size).toBe(4);
      expect(await readFile(input.path, 'utf8')).toBe('a\n1\n');
    } finally {
      await input.close();
    }
    await expect(storage.openInput('data/missing.csv')).rejects.toThrow(InputNotFoundError);
    await expect(storage.openInput('missing/in.csv')).rejects.toThrow(InputNotFoundError);
    await expect(storage.openInput('data/in.csv/x.csv')).rejects.toThrow(InputNotFoundError);
  });

  test('refuses a symlink that points outside the root', async () => {
    await symlink(path.join(base, 'secret.txt'), path.join(root, 'data', 'link.csv'));
    await expect(storage.openInput('data/link.csv')).rejects.toThrow(/outside the storage root/);
  });

  test('refuses a symlinked folder that leads outside the root, for reading and writing', async () => {
    await symlink(base, path.join(root, 'escape'));
    await expect(storage.openInput('escape/secret.txt')).rejects.toThrow(InvalidPathError);
    await expect(storage.writeAtomic('escape/new.csv', (s) => s.write('x'))).rejects.toThrow(
      InvalidPathError,
    );
    await expect(storage.writeAtomic('escape/deeper/new.csv', (s) => s.write('x'))).rejects.toThrow(
      InvalidPathError,
    );
    expect(await readdir(base)).not.toContain('new.csv');
  });

  test('follows a symlink that stays inside the root, absolute or relative', async () => {
    await symlink(path.join(root, 'data', 'in.csv'), path.join(root, 'alias.csv'));
    await symlink(path.join(await realpath(root), 'data'), path.join(root, 'real-alias'));
    await mkdir(path.join(root, 'deep', 'er'), { recursive: true });
    await symlink('../../data/in.csv', path.join(root, 'deep', 'er', 'up.csv'));
    await symlink('../data', path.join(root, 'deep', 'dir'));
    for (const alias of ['alias.csv', 'real-alias/in.csv', 'deep/er/up.csv', 'deep/dir/in.csv']) {
      expect(await storage.readText(alias)).toBe('a\n1\n');
    }
  });

  test('refuses a relative symlink that climbs out, and a loop of symlinks', async () => {
    await symlink('../../secret.txt', path.join(root, 'data', 'up.csv'));
    await symlink('loop-b', path.join(root, 'loop-a'));
    await symlink('loop-a', path.join(root, 'loop-b'));
    await expect(storage.openInput('data/up.csv')).rejects.toThrow(/outside the storage root/);
    await expect(storage.openInput('loop-a')).rejects.toThrow(/too many symbolic links/);
  });

  test('refuses a folder where a file is expected', async () => {
    await expect(storage.openInput('data')).rejects.toThrow(/not a regular file/);
  });
});

describe('atomic writes', () => {
  test('publish the whole content under the final name and leave no temporary file', async () => {
    const { bytes } = await storage.writeAtomic('results/deep/out.csv', async (sink) => {
      await sink.write('a,b\n');
      await sink.write(new TextEncoder().encode('1,2\n'));
    });
    expect(bytes).toBe(8);
    expect(await readFile(path.join(root, 'results', 'deep', 'out.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(await readdir(path.join(root, 'results', 'deep'))).toEqual(['out.csv']);
  });

  test('never replace an existing file', async () => {
    await expect(storage.writeAtomic('data/in.csv', (s) => s.write('x'))).rejects.toThrow(OutputExistsError);
    expect(await readFile(path.join(root, 'data', 'in.csv'), 'utf8')).toBe('a\n1\n');
  });

  test('leave nothing behind when the producer fails half-way', async () => {
    await expect(
      storage.writeAtomic('results/out.csv', async (sink) => {
        await sink.write('partial');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readdir(path.join(root, 'results'))).toEqual([]);
  });

  test('of two concurrent writers to one name, exactly one wins', async () => {
    const attempts = await Promise.allSettled(
      [1, 2, 3].map((i) => storage.writeAtomic('results/race.csv', (s) => s.write(`writer ${i}`))),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(
      attempts.filter((a) => a.status === 'rejected' && a.reason instanceof OutputExistsError),
    ).toHaveLength(2);
  });

  test('a healthy storage passes the writability check', async () => {
    await expect(storage.checkWritable()).resolves.toBeUndefined();
  });
});
