/**
 * Peak resident memory of the current process, for the benchmark's child
 * processes.
 */
import { readFileSync } from 'node:fs';

/**
 * Peak RSS in MB: `VmHWM` of /proc/self/status, the high-water mark of this
 * process's own address space. Not `process.resourceUsage().maxRSS`: on
 * Linux that keeps the parent's RSS across fork + exec, so every child
 * would report at least the benchmark driver's size.
 */
export function peakRssMb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: fall back below.
  }
  return process.resourceUsage().maxRSS / 1024;
}
