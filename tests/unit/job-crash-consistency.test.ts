/**
 * A crash inside job creation (found once by `npm run chaos` when jobs were
 * files: a job ran while its user could not list it). The job's item carries
 * its index attributes, so a job is listed as soon as it exists; here the
 * process "dies" after the job's write and before its enqueue could be undone
 * (queue down, then the discard never happens). After the recovery a restart
 * runs, the job must be queued and listed to its user, and counted once.
 */
import { jest } from '@jest/globals';
import { recoverJobs } from '../../lib/jobs/recover.js';
import { submitJob } from '../../lib/service/submit.js';
import { testService } from './factories/service.js';

test('a job whose submission died between its write and its enqueue is, after recovery, queued and listed', async () => {
  const { deps, queue, cleanup } = await testService();
  try {
    const enqueue = jest.spyOn(queue, 'enqueue').mockRejectedValue(new Error('queue timed out'));
    // The process dies before it can remove the job nor give its slot back.
    const discard = jest.spyOn(deps.store, 'discard').mockRejectedValue(new Error('killed'));
    const release = jest.spyOn(deps.store, 'releaseSlot').mockRejectedValue(new Error('killed'));
    await expect(
      submitJob(deps, { sub: 'alice' }, 'stats', { input: 'in/sales.csv', columns: ['amount'] }),
    ).rejects.toThrow();
    discard.mockRestore();
    release.mockRestore();
    expect(queue.sent).toEqual([]);

    // The "restart": the queue is back, the recovery runs.
    enqueue.mockRestore();
    expect(await recoverJobs(deps.store, queue, 3)).toEqual({ requeued: 1, failed: 0 });
    const listed = (await deps.store.list('alice', { limit: 100 })).jobs.map((j) => j.job_id);
    expect(listed).toEqual(queue.sent);
    expect(await deps.store.activeCount('alice')).toBe(1);
  } finally {
    await cleanup();
  }
});

test('a job the index lists but the table does not hold (a creation torn by a crash) is removed, not requeued nor counted', async () => {
  const { deps, queue, cleanup } = await testService();
  try {
    const kept = await submitJob(deps, { sub: 'alice' }, 'stats', {
      input: 'in/sales.csv',
      columns: ['amount'],
    });
    const keptId = kept.job.job_id;
    queue.sent.length = 0;
    const real = await deps.store.unfinished();
    // What the local table leaves when killed between a new item's index entries and the item.
    const phantom = { ...real[0]!, job_id: '00mx7vuksd237851d67a94', created_at: new Date().toISOString() };
    jest.spyOn(deps.store, 'unfinished').mockResolvedValue([...real, phantom]);
    expect(await recoverJobs(deps.store, queue, 3)).toEqual({ requeued: 1, failed: 0, torn: 1 });
    expect(queue.sent).toEqual([keptId]);
    expect(await deps.store.stored(phantom.job_id)).toBe(false);
    expect(await deps.store.activeCount('alice')).toBe(1);
  } finally {
    await cleanup();
  }
});
