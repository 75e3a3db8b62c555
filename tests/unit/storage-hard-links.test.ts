/**
 * Hard links: a second name of a file outside the storage looks, by path,
 * like any file inside it. Inputs with more than one link are refused
 * unless ALLOW_HARD_LINKS says otherwise.
 */
import { link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeHandlers } from '../../functions/compute.js';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { loadConfig } from '../../lib/config.js';
import { runCompute } from '../../lib/engine/index.js';
import { InvalidPathError, OutputExistsError } from '../../lib/errors.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { buildDeps } from '../../lib/service/deps.js';
import { Storage } from '../../lib/storage/storage.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { testService, tokenFor, type MemoryQueue } from './factories/service.js';

let deps: ServiceDeps;
let queue: MemoryQueue;
let root: string;
let outside: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ deps, queue, root, cleanup } = await testService());
  // Beside the root, on the same file system: a hard link needs one.
  outside = `${root}-outside`;
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.csv'), 'a\nOUTSIDE\n');
  await link(path.join(outside, 'secret.csv'), path.join(root, 'in', 'linked.csv'));
});
afterEach(async () => {
  await cleanup();
  await rm(outside, { recursive: true, force: true });
});

const request = (output: string): ComputeRequest =>
  ({
    operation: 'non_null',
    input: 'in/linked.csv',
    columns: ['a'],
    output,
    output_format: 'csv',
  }) as ComputeRequest;

describe('an input with other hard links', () => {
  test('is refused as invalid_path when opened', async () => {
    await expect(deps.storage.openInput('in/linked.csv')).rejects.toThrow(InvalidPathError);
    await expect(deps.storage.openInput('in/linked.csv')).rejects.toThrow(/other hard links/);
  });

  test('is refused at submission with 400 invalid_path, and nothing is queued', async () => {
    const event = apiEvent('POST /compute/non_null', {
      headers: { authorization: `Bearer ${await tokenFor()}` },
      body: { input: 'in/linked.csv', columns: ['a'] },
    });
    const res = await makeHandlers(() => deps, 0).non_null(event, lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!)).toMatchObject({ error: { code: 'invalid_path' } });
    expect(queue.sent).toEqual([]);
  });

  test('fails the job with invalid_path when it got linked after submission', async () => {
    await expect(runCompute(deps.storage, request('out/x.csv'))).rejects.toMatchObject({
      code: 'invalid_path',
    });
  });

  test('still counts as taken for an output: it is never replaced', async () => {
    expect(await deps.storage.exists('in/linked.csv')).toBe(true);
    await expect(deps.storage.writeAtomic('in/linked.csv', (sink) => sink.write('x'))).rejects.toThrow(
      OutputExistsError,
    );
    expect(await readFile(path.join(outside, 'secret.csv'), 'utf8')).toBe('a\nOUTSIDE\n');
  });

  test('is read when ALLOW_HARD_LINKS=true', async () => {
    const config = loadConfig({ HDFS_ROOT: root, ALLOW_HARD_LINKS: 'true' });
    expect(config.allowHardLinks).toBe(true);
    const allowing = buildDeps(config).storage;
    await runCompute(allowing, request('out/allowed.csv'));
    expect(await readFile(path.join(root, 'out', 'allowed.csv'), 'utf8')).toBe('a\nOUTSIDE\n');
    expect(new Storage(root, { allowHardLinks: false })).toBeInstanceOf(Storage);
  });

  test('the setting is off unless set, and only true or false', () => {
    expect(loadConfig({}).allowHardLinks).toBe(false);
    expect(() => loadConfig({ ALLOW_HARD_LINKS: 'yes' })).toThrow(/ALLOW_HARD_LINKS/);
  });
});

test('a file the tests made alone is read, so the refusal above is the links and nothing else', async () => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'one-link-'));
  try {
    await writeFile(path.join(base, 'in.csv'), 'a\n1\n');
    expect(await new Storage(base).readText('in.csv')).toBe('a\n1\n');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
