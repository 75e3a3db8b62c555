import { SendBatcher, type OutgoingMessage } from '../../lib/queue/send-batcher.js';

const msg = (body: string): OutgoingMessage => ({ body, delaySeconds: 0 });

describe('the send batcher', () => {
  test('sends what was queued in one turn of the event loop in one call, and later messages in another', async () => {
    const calls: string[][] = [];
    const batcher = new SendBatcher(async (messages) => {
      calls.push(messages.map((m) => m.body));
      return messages.map(() => true);
    });
    await Promise.all(['a', 'b', 'c'].map((b) => batcher.send(msg(b))));
    await batcher.send(msg('d'));
    expect(calls).toEqual([['a', 'b', 'c'], ['d']]);
  });

  test('never puts more than ten messages in a call', async () => {
    const sizes: number[] = [];
    const batcher = new SendBatcher(async (messages) => {
      sizes.push(messages.length);
      return messages.map(() => true);
    });
    await Promise.all(Array.from({ length: 23 }, (_, i) => batcher.send(msg(String(i)))));
    expect(sizes).toEqual([10, 10, 3]);
  });

  test('rejects only the sender whose message the queue refused', async () => {
    const batcher = new SendBatcher(async (messages) => messages.map((m) => m.body !== 'bad'));
    const outcomes = await Promise.allSettled(['ok1', 'bad', 'ok2'].map((b) => batcher.send(msg(b))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  test('rejects every sender of a call that failed, and recovers on the next one', async () => {
    let down = true;
    const batcher = new SendBatcher(async (messages) => {
      if (down) throw new Error('connection refused');
      return messages.map(() => true);
    });
    const outcomes = await Promise.allSettled(['a', 'b'].map((b) => batcher.send(msg(b))));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    down = false;
    await expect(batcher.send(msg('c'))).resolves.toBeUndefined();
  });
});
