/**
 * A crash inside job creation, found by `npm run chaos` (one job in 300 ran
 * and wrote its output, yet its user could not see it in `GET /jobs`): the
 * job document is written, then the process dies before the user's index
 * entry. Simulated here by making the index entry impossible to write once.
 * After the recovery a restart runs, the job must be either gone (never
 * queued) or listed to its user — never run while invisible.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recoverJobs } from '../../lib/jobs/recover.js';
import { submitJob } from '../../lib/service/submit.js';
import { testService } from './factories/service.js';

test('a job whose index entry was never written is, after recovery, either gone or listed to its user', async () => {
  const { deps, queue, root, cleanup } = await testService();
  try {
    // Where the job store keeps alice's index entries (`.jobs/users/<sha256(sub)[0..32]>/`): a file, not a folder.
    const index = path.join(
      root,
      '.jobs/users',
      createHash('sha256').update('alice').digest('hex').slice(0, 32),
    );
    await mkdir(path.dirname(index), { recursive: true });
    await writeFile(index, 'not a folder');
    await expect(
      submitJob(deps, { sub: 'alice' }, 'stats', { input: 'in/sales.csv', columns: ['amount'] }),
    ).rejects.toThrow();
    expect(queue.sent).toEqual([]);

    // The "restart": the obstacle is gone, the recovery runs.
    await rm(index);
    await recoverJobs(deps.store, queue, 3);
    const listed = (await deps.store.list('alice', { limit: 100 })).jobs.map((j) => j.job_id);
    expect(queue.sent.filter((id) => !listed.includes(id))).toEqual([]);
  } finally {
    await cleanup();
  }
});
