/**
 * Resource limits for a host process, where they can be had without cgroups or root:
 *
 * | spec                         | here                                                    |
 * |------------------------------|---------------------------------------------------------|
 * | ContainerSpec.Ulimits        | enforced: the argv runs under `prlimit --<name>=soft:hard` (util-linux) |
 * | Resources.Limits.MemoryBytes | enforced by a watchdog: every `memoryPollMs` the resident memory of the task's process group is summed from /proc; over the limit, the group is SIGKILLed and the exit reported as OOM-killed (137, oomKilled) |
 * | Resources.Limits.Pids        | not enforced (RLIMIT_NPROC counts the whole user); logged when exceeded |
 * | Resources.Limits.NanoCPUs    | not enforced (needs a cgroup)                           |
 * | Reservations                 | only the scheduler's business                            |
 *
 * The watchdog samples, so a fast allocation can overshoot before it is caught.
 */
import type { Task } from '../../api/task.ts';
import { ExecutorError } from '../errors.ts';

/** Docker's ulimit names -> prlimit's options. */
const PRLIMIT: Record<string, string> = {
  as: 'as',
  core: 'core',
  cpu: 'cpu',
  data: 'data',
  fsize: 'fsize',
  locks: 'locks',
  memlock: 'memlock',
  msgqueue: 'msgqueue',
  nice: 'nice',
  nofile: 'nofile',
  nproc: 'nproc',
  rss: 'rss',
  rtprio: 'rtprio',
  rttime: 'rttime',
  sigpending: 'sigpending',
  stack: 'stack',
};

/** The `prlimit` arguments for the spec's ulimits ([] when it has none). */
export function ulimitArgs(task: Task): string[] {
  const ulimits = task.Spec.ContainerSpec?.Ulimits ?? [];
  if (ulimits.length === 0) return [];
  const out: string[] = [];
  for (const u of ulimits) {
    const opt = PRLIMIT[u.Name];
    if (!opt) throw new ExecutorError('invalid_argument', `invalid ulimit type: ${u.Name}`);
    const lim = (n: number): string => (n < 0 ? 'unlimited' : String(n));
    out.push(`--${opt}=${lim(u.Soft)}:${lim(u.Hard)}`);
  }
  return out;
}

export interface Limits {
  memoryBytes?: number;
  pids?: number;
}

export function limitsOf(task: Task): Limits {
  const l = task.Spec.Resources?.Limits;
  const out: Limits = {};
  if (l?.MemoryBytes && l.MemoryBytes > 0) out.memoryBytes = l.MemoryBytes;
  if (l?.Pids && l.Pids > 0) out.pids = l.Pids;
  return out;
}
