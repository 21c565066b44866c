/**
 * What the process executor asks the kernel about its tasks' processes: is a PID still the
 * process we started (PID plus its start time in /proc, so a recycled PID is not mistaken
 * for ours), signals to a whole process group, and the members of a group (for the memory
 * watchdog). Linux first: where /proc is missing, the start-time check is skipped and a
 * live PID is trusted.
 */

import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { constants } from 'node:os';

/** Fields of /proc/<pid>/stat after the command name: index 0 is field 3 (state). */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** The process's start time (clock ticks since boot), or undefined if unknown or gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    return statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[19];
  } catch {
    return undefined;
  }
}

/** Whether `pid` is alive (not a zombie) and, when `startTime` is known, the same process. */
export function isAlive(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return startTime === undefined; // no /proc: trust the signal check
  }
  const f = statFields(stat);
  if (f[0] === 'Z' || f[0] === 'X') return false;
  return startTime === undefined || f[19] === startTime;
}

/** Sends `signal` to every process in group `pgid`; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** `SIGTERM`, `TERM`, `15` -> the signal as process.kill takes it. */
export function parseSignal(s: string): NodeJS.Signals | number {
  if (/^\d+$/.test(s)) return Number(s);
  const name = (s.startsWith('SIG') ? s : `SIG${s}`).toUpperCase();
  if (name in constants.signals) return name as NodeJS.Signals;
  throw new Error(`invalid stop signal: ${s}`);
}

/** The shell's exit code for a process ended by `signal` (128 + its number). */
export function signalExitCode(signal: NodeJS.Signals | number): number {
  const n = typeof signal === 'number' ? signal : constants.signals[signal];
  return 128 + (n ?? 0);
}

/** Resident memory (bytes) and count of the live processes in group `pgid`. */
export async function groupUsage(pgid: number): Promise<{ rssBytes: number; pids: number }> {
  let rssBytes = 0;
  let pids = 0;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return { rssBytes, pids };
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let f: string[];
    try {
      f = statFields(await readFile(`/proc/${e}/stat`, 'utf8'));
    } catch {
      continue;
    }
    // field 5 is the process group, field 24 the resident set in pages
    if (Number(f[2]) !== pgid || f[0] === 'Z') continue;
    pids++;
    rssBytes += Number(f[21]) * PAGE_BYTES;
  }
  return { rssBytes, pids };
}

const PAGE_BYTES = 4096;
