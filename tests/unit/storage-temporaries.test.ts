import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvalidPathError } from '../../lib/errors.js';
import { recoverJobs } from '../../lib/jobs/recover.js';
import { submitJob } from '../../lib/service/submit.js';
import { Storage } from '../../lib/storage/storage.js';
import { testService } from './factories/service.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tmpfiles-'));
  await mkdir(path.join(root, 'results'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('temporary files of an interrupted write', () => {
  test('are removed, and nothing else is', async () => {
    const names = [
      '.out.csv.0123456789ab.tmp',
      '.out.csv.ffffffffffff.tmp',
      'out.csv',
      '.other.csv.0123456789ab.tmp',
      '.out.csv.notahexvalue.tmp',
      '.out.csv.0123456789ab.tmp.keep',
    ];
    for (const n of names) await writeFile(path.join(root, 'results', n), 'x');
    expect(await new Storage(root).removeTemporaries('results/out.csv')).toBe(2);
    expect((await readdir(path.join(root, 'results'))).sort()).toEqual(
      [
        '.other.csv.0123456789ab.tmp',
        '.out.csv.0123456789ab.tmp.keep',
        '.out.csv.notahexvalue.tmp',
        'out.csv',
      ].sort(),
    );
  });

  test('of a folder that does not exist are none', async () => {
    expect(await new Storage(root).removeTemporaries('nowhere/out.csv')).toBe(0);
  });

  test('are never looked for outside the root', async () => {
    await expect(new Storage(root).removeTemporaries('../out.csv')).rejects.toBeInstanceOf(InvalidPathError);
  });
});

describe('the recovery at startup', () => {
  test('removes what a killed attempt left beside an unfinished job’s output, then queues the job again', async () => {
    const service = await testService();
    try {
      const { job } = await submitJob(service.deps, { sub: 'alice' }, 'stats', {
        input: 'in/sales.csv',
        columns: ['amount'],
      });
      const folder = path.join(service.root, path.dirname(job.output));
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, `.${path.basename(job.output)}.00000000abcd.tmp`), 'partial');
      expect(await recoverJobs(service.deps.store, service.queue, 3)).toEqual({ requeued: 1, failed: 0 });
      expect(await readdir(folder)).toEqual([]);
      expect(service.queue.sent).toEqual([job.job_id, job.job_id]);
    } finally {
      await service.cleanup();
    }
  });
});
