/**
 * A lock text naming a process of this machine that has exited: a child is
 * started with the lock owner's text as it would write it, then waited for.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lockOwner } from '../../../lib/storage/lock-owner.js';

/** The lock text a process would have written, for a child process that is now dead. */
export async function deadProcessLock(): Promise<string> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  const pid = child.pid;
  if (pid === undefined) throw new Error('the child process did not start');
  return lockOwner().replace(/\d+$/, String(pid));
}
