import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputNotFoundError, OutputExistsError } from '../../lib/errors.js';
import { StateFiles } from '../../lib/storage/state-files.js';

let root: string;
let state: StateFiles;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'state-'));
  state = new StateFiles(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('the service state files', () => {
  test('write a document once, refuse a second write, and replace it with overwrite', async () => {
    await state.write('.jobs/a.json', '{"v":1}');
    await expect(state.write('.jobs/a.json', '{"v":2}')).rejects.toBeInstanceOf(OutputExistsError);
    expect(await state.read('.jobs/a.json')).toBe('{"v":1}');
    await state.write('.jobs/a.json', '{"v":3}', { overwrite: true });
    expect(await state.read('.jobs/a.json')).toBe('{"v":3}');
    // No temporary file is left behind, whatever happened.
    expect(await readdir(path.join(root, '.jobs'))).toEqual(['a.json']);
  });

  test('create a marker exclusively, with or without text, and describe it by inode, age and text', async () => {
    await state.createMarker('.jobs/users/u1/j1');
    await expect(state.createMarker('.jobs/users/u1/j1')).rejects.toBeInstanceOf(OutputExistsError);
    expect((await stat(path.join(root, '.jobs/users/u1/j1'))).size).toBe(0);
    await state.createMarker('.jobs/locks/j1', 'holder 42');
    const seen = await state.snapshot('.jobs/locks/j1');
    expect(seen?.text).toBe('holder 42');
    expect(seen?.ino).toBe((await stat(path.join(root, '.jobs/locks/j1'))).ino);
    expect(Math.abs(seen!.mtimeMs - Date.now())).toBeLessThan(5000);
    await state.remove('.jobs/locks/j1');
    await state.remove('.jobs/locks/j1');
    expect(await state.snapshot('.jobs/locks/j1')).toBeUndefined();
  });

  test('recreate a folder removed behind their back', async () => {
    await state.createMarker('.jobs/users/u1/j1');
    await rm(path.join(root, '.jobs/users'), { recursive: true });
    await state.createMarker('.jobs/users/u1/j2');
    await state.write('.jobs/users/u1/doc', 'x');
    expect((await state.list('.jobs/users/u1')).sort()).toEqual(['doc', 'j2']);
  });

  test('read a missing file as not found and list a missing folder as empty', async () => {
    await expect(state.read('.jobs/none.json')).rejects.toBeInstanceOf(InputNotFoundError);
    expect(await state.list('.jobs/nothing')).toEqual([]);
  });

  test('refuse paths that are not service state', async () => {
    for (const bad of [
      'jobs/a',
      '.jobs/../x',
      '.jobs//a',
      '/etc/passwd',
      '.jobs/a/../../b',
      'results/out.csv',
    ]) {
      await expect(state.write(bad, 'x')).rejects.toThrow(/not a state path/);
    }
  });
});
