/**
 * A task's record on the node (state.json in its folder): what the executor must know to
 * pick the task up again after it restarted. Written atomically (temp file + rename), so
 * a crash leaves the old record or the new one, never half of one.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { PortMapping } from './ports.ts';

export interface TaskRecord {
  version: 1;
  taskId: string;
  /** Docker shows a container id; ours names the task's process on this node. */
  containerId: string;
  /** What runs (after image resolution), without the wrapper shell. */
  argv: string[];
  env: string[];
  cwd: string;
  ports: PortMapping[];
  stopSignal: string;
  /** prlimit options for the spec's ulimits (limits.ts). */
  ulimits?: string[];
  /** Set once started: the wrapper shell's PID (also its process group). */
  pid?: number;
  /** /proc/<pid>/stat start time, so a recycled PID is not taken for ours. */
  startTime?: string;
  /** Set once it exited and the executor saw it. */
  exit?: { exitCode: number; oomKilled: boolean };
}

export function readRecord(path: string): TaskRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as TaskRecord;
    return r.version === 1 && typeof r.taskId === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

let seq = 0;

export async function writeRecord(path: string, r: TaskRecord): Promise<void> {
  const tmp = `${path}.${process.pid}.${++seq}.tmp`;
  await writeFile(tmp, `${JSON.stringify(r)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}
