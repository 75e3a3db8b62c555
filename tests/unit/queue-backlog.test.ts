import { QueueUnavailableError } from '../../lib/errors.js';
import { Backlog } from '../../lib/queue/backlog.js';
import { MemoryQueue } from './factories/service.js';

class CountingQueue extends MemoryQueue {
  reads = 0;
  override async depth(): Promise<number> {
    this.reads += 1;
    return super.depth();
  }
}

describe('the backlog estimate', () => {
  test('reads the depth once per period and adds the jobs enqueued since', async () => {
    let now = 1000;
    const queue = new CountingQueue();
    queue.waiting = 7;
    const backlog = new Backlog(queue, 1000, () => now);
    expect(await backlog.estimate()).toBe(7);
    backlog.noteEnqueued();
    backlog.noteEnqueued();
    now += 999;
    expect(await backlog.estimate()).toBe(9);
    expect(queue.reads).toBe(1);
    queue.waiting = 3;
    now += 1;
    expect(await backlog.estimate()).toBe(3);
    expect(queue.reads).toBe(2);
  });

  test('shares one reading between concurrent callers', async () => {
    const queue = new CountingQueue();
    const backlog = new Backlog(queue, 1000);
    await Promise.all([backlog.estimate(), backlog.estimate(), backlog.estimate()]);
    expect(queue.reads).toBe(1);
  });

  test('does not keep a failed reading: the next call asks the queue again', async () => {
    const queue = new CountingQueue();
    const backlog = new Backlog(queue, 60_000);
    queue.down = true;
    await expect(backlog.estimate()).rejects.toBeInstanceOf(QueueUnavailableError);
    queue.down = false;
    queue.waiting = 4;
    expect(await backlog.estimate()).toBe(4);
    expect(queue.reads).toBe(2);
  });

  test('reads on every call when its period is zero', async () => {
    const queue = new CountingQueue();
    const backlog = new Backlog(queue, 0);
    await backlog.estimate();
    await backlog.estimate();
    expect(queue.reads).toBe(2);
  });
});
