import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lockOwner, ownerIsDead } from '../../lib/storage/lock-owner.js';
import { deadProcessLock } from './factories/dead-process.js';

const linux = process.platform === 'linux';

describe('the holder of a lock', () => {
  (linux ? test : test.skip)('is named by boot, pid namespace and pid on Linux', () => {
    expect(lockOwner()).toMatch(new RegExp(`^[0-9a-f-]{36} pid:\\[\\d+\\] ${process.pid}$`));
  });

  (linux ? test : test.skip)('is known dead when it was a process of this machine that exited', async () => {
    expect(ownerIsDead(await deadProcessLock())).toBe(true);
  });

  test('is never judged dead when it is this very process', () => {
    expect(ownerIsDead(lockOwner())).toBe(false);
  });

  test('is not judged dead while its process runs', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      expect(ownerIsDead(lockOwner().replace(/\d+$/, String(child.pid)))).toBe(false);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });

  test('is unknown, never dead, for a lock from another boot or machine, an empty lock, or garbage', async () => {
    const dead = await deadProcessLock();
    const otherBoot = dead.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0'));
    for (const text of [otherBoot, '', 'garbage', `${dead} extra`, 'x 0', `${dead}99999999999`]) {
      expect(ownerIsDead(text)).toBe(false);
    }
  });
});
