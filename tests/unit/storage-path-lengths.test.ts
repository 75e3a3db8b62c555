import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { makeHandlers } from '../../functions/compute.js';
import { InputNotFoundError, InvalidPathError } from '../../lib/errors.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import {
  MAX_OUTPUT_NAME_BYTES,
  MAX_PATH_BYTES,
  MAX_SEGMENT_BYTES,
  TEMP_NAME_EXTRA_BYTES,
} from '../../lib/storage/paths.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { testService, tokenFor, type MemoryQueue } from './factories/service.js';

let deps: ServiceDeps;
let queue: MemoryQueue;
let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ deps, queue, root, cleanup } = await testService());
});
afterEach(() => cleanup());

async function submit(body: unknown) {
  const event = apiEvent('POST /compute/stats', {
    headers: { authorization: `Bearer ${await tokenFor()}` },
    body,
  });
  const res = await makeHandlers(() => deps, 0).stats(event, lambdaContext());
  return {
    status: res.statusCode!,
    body: JSON.parse(res.body!) as { error?: { code: string; message: string } },
  };
}

/** A name of exactly `bytes` UTF-8 bytes ending in `ext`, made of two-byte characters where it can. */
function nameOf(bytes: number, ext = '.csv'): string {
  const body = bytes - ext.length;
  return 'é'.repeat(Math.floor(body / 2)) + 'x'.repeat(body % 2) + ext;
}

describe('name lengths', () => {
  test('the limits are the file system’s, less the temporary suffix for an output’s name', () => {
    expect(MAX_SEGMENT_BYTES).toBe(255);
    expect(MAX_PATH_BYTES).toBe(1024);
    expect(MAX_OUTPUT_NAME_BYTES).toBe(255 - TEMP_NAME_EXTRA_BYTES);
    expect(Buffer.byteLength(nameOf(256))).toBe(256);
  });

  test('a segment of 256 bytes is refused as invalid_path, counted in bytes not characters', async () => {
    expect(() => deps.storage.normalize(`in/${nameOf(256)}`)).toThrow(InvalidPathError);
    expect(() => deps.storage.normalize(`${'é'.repeat(128)}/in.csv`)).toThrow(/256 bytes long; at most 255/);
    // A 255-byte name is a name the system takes: missing, not refused.
    await expect(deps.storage.openInput(`in/${nameOf(255)}`)).rejects.toBeInstanceOf(InputNotFoundError);
  });

  test('a path over 1,024 bytes is refused, and not echoed back', () => {
    const long = Array.from({ length: 6 }, () => nameOf(200, '')).join('/') + '/in.csv';
    expect(Buffer.byteLength(long)).toBeGreaterThan(MAX_PATH_BYTES);
    const refusal = (() => {
      try {
        deps.storage.normalize(long);
      } catch (err) {
        return err as InvalidPathError;
      }
      throw new Error('accepted');
    })();
    expect(refusal).toBeInstanceOf(InvalidPathError);
    expect(refusal.message).toMatch(/at most 1024/);
    expect(refusal.message).not.toContain('é');
  });

  test('an output name that leaves room for the temporary suffix is written; one byte more is refused', async () => {
    const longest = nameOf(MAX_OUTPUT_NAME_BYTES);
    await deps.storage.writeAtomic(`results/${longest}`, (sink) => sink.write('a\n'));
    expect(await readFile(path.join(root, 'results', longest), 'utf8')).toBe('a\n');
    await expect(
      deps.storage.writeAtomic(`results/${nameOf(MAX_OUTPUT_NAME_BYTES + 1)}`, (sink) => sink.write('a\n')),
    ).rejects.toThrow(/output's file name is 238 bytes long; at most 237/);
    expect(await readdir(path.join(root, 'results'))).toEqual([longest]);
  });
});

describe('POST /compute with overlong paths', () => {
  test.each([
    ['an input segment of 256 bytes', { input: `in/${nameOf(256)}` }],
    ['an input of 1,025 bytes', { input: `in/${'a/'.repeat(509)}sales.csv` }],
    ['an input of 5,000 characters', { input: 'a'.repeat(5000) }],
    ['an output name of 255 bytes', { input: 'in/sales.csv', output: `out/${nameOf(255)}` }],
    ['an output name of 238 bytes', { input: 'in/sales.csv', output: `out/${nameOf(238)}` }],
    ['an output of 1,025 bytes', { input: 'in/sales.csv', output: `${'o/'.repeat(510)}x.csv` }],
  ])('answer 400 invalid_path for %s, and queue nothing', async (_what, paths) => {
    const res = await submit({ columns: ['amount'], ...paths });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('invalid_path');
    expect(queue.sent).toEqual([]);
  });

  test('accept an output name of 237 bytes', async () => {
    const res = await submit({ input: 'in/sales.csv', columns: ['amount'], output: `out/${nameOf(237)}` });
    expect(res.status).toBe(202);
  });
});
