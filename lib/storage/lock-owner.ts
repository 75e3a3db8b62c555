/**
 * Who holds a lock file, so that a lock left by a killed process can be
 * broken at once instead of after the staleness delay.
 *
 * A lock names its holder as `<boot id> <pid namespace> <pid>`. Another
 * process reading it can prove the holder dead only when it runs on the same
 * kernel boot and in the same pid namespace (then the pid means the same
 * process) and that pid no longer exists. Anything else, a lock written
 * elsewhere, an empty lock still being written, a pid reused by a live
 * process, is "unknown", and the caller falls back to the lock's age.
 *
 * @module
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** The identity of the kernel boot and pid namespace, or '' where it cannot be read (not Linux). */
function readHost(): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = readlinkSync('/proc/self/ns/pid').replace(/\s/g, '');
    return boot && ns ? `${boot} ${ns}` : '';
  } catch {
    return '';
  }
}

const host = readHost();

/**
 * The text this process writes into the locks it takes: empty where its host
 * cannot be identified, so that nobody ever judges its locks by pid.
 */
export function lockOwner(): string {
  return host ? `${host} ${process.pid}` : '';
}

/** True when `pid` names no process of this namespace (EPERM means it exists, owned by another user). */
function pidIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Whether the holder named by a lock's text is certainly dead: same boot and
 * pid namespace as this process, and its pid gone.
 *
 * @param text - the lock file's content as {@link lockOwner} wrote it (any text is accepted)
 */
export function ownerIsDead(text: string): boolean {
  if (!host) return false;
  const match = /^(.+) (\d{1,10})$/.exec(text.trim());
  if (!match || match[1] !== host) return false;
  const pid = Number(match[2]);
  return pid > 0 && pid !== process.pid && pidIsGone(pid);
}
