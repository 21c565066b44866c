/**
 * Convergence progress, pure: given the service, its up-to-date tasks and the nodes that
 * are not down, what the progress display shows (`overall progress: 2 out of 3 tasks`,
 * one line per slot or node with the task's state and a bar) and whether every slot is
 * running. The polling loop (converge.ts) feeds it; the writer (progress-writer.ts)
 * draws it. Same rules as the docker CLI: per-slot lines only up to 20 tasks, a slot with
 * several tasks shows the one with the lowest desired state, then the lowest state.
 */
import type { Service, Task } from '../../api/index.ts';

export interface ProgressLine {
  id: string;
  action: string;
  /** [current, total] for a bar (TTY only). */
  bar?: [number, number];
}

const ORDER: Record<string, number> = {
  new: 1,
  allocated: 2,
  pending: 3,
  assigned: 4,
  accepted: 5,
  preparing: 6,
  ready: 7,
  starting: 8,
  running: 9,
  complete: 10,
  shutdown: 11,
  failed: 12,
  rejected: 13,
};
const RUNNING = 9;
const MAX_BARS = 20;
const STATE_WIDTH = 9;

const num = (s: string | undefined) => ORDER[s ?? ''] ?? 0;
const terminal = (s: string | undefined) => num(s) > RUNNING;

function truncError(e: string): string {
  const flat = e.replace(/\n/g, ' ');
  return flat.length > 75 ? `${flat.slice(0, 74)}…` : flat;
}

/** Keeps, per key, the task with the lowest desired state, then the lowest observed one. */
function pick(
  tasks: readonly Task[],
  key: (t: Task) => string,
  active: ReadonlySet<string>,
  checkNode: boolean,
) {
  const out = new Map<string, Task>();
  for (const t of tasks) {
    if (num(t.DesiredState) === 0 || num(t.Status.State) === 0) continue;
    const cur = out.get(key(t));
    if (cur !== undefined) {
      if (num(cur.DesiredState) < num(t.DesiredState)) continue;
      if (num(cur.DesiredState) === num(t.DesiredState) && num(cur.Status.State) <= num(t.Status.State))
        continue;
    }
    if (checkNode && t.NodeID && !active.has(t.NodeID)) continue;
    out.set(key(t), t);
  }
  return out;
}

function taskLine(id: string, t: Task): ProgressLine | undefined {
  if (t.Status.Err) return { id, action: truncError(t.Status.Err) };
  if (terminal(t.DesiredState) || terminal(t.Status.State)) return undefined;
  return { id, action: t.Status.State.padEnd(STATE_WIDTH), bar: [num(t.Status.State), RUNNING] };
}

function overall(running: number, total: number, rollback: boolean): ProgressLine {
  return {
    id: 'overall progress',
    action: rollback
      ? `rolling back update: ${running} out of ${total} tasks`
      : `${running} out of ${total} tasks`,
  };
}

export interface Step {
  lines: ProgressLine[];
  converged: boolean;
}

/** One tracker per service watch: it remembers slot numbering and whether it was done. */
export class ProgressTracker {
  private initialized = false;
  private done = false;
  private readonly slots = new Map<number, number>();

  update(service: Service, tasks: readonly Task[], active: ReadonlySet<string>, rollback: boolean): Step {
    const mode = service.Spec.Mode ?? {};
    if (mode.Global) return this.global(tasks, active, rollback);
    if (mode.ReplicatedJob || mode.GlobalJob) return this.job(service, tasks);
    return this.replicated(mode.Replicated?.Replicas ?? 1, tasks, active, rollback);
  }

  private recheck(tasks: Iterable<Task>): void {
    if (this.done) for (const t of tasks) if (t.Status.State !== 'running') this.done = false;
  }

  private replicated(
    replicas: number,
    tasks: readonly Task[],
    active: ReadonlySet<string>,
    rollback: boolean,
  ): Step {
    const lines: ProgressLine[] = [];
    if (!this.initialized) {
      lines.push(overall(0, replicas, rollback));
      if (replicas <= MAX_BARS)
        for (let i = 1; i <= replicas; i++) lines.push({ id: `${i}/${replicas}`, action: ' ' });
      this.initialized = true;
    }
    const bySlot = pick(tasks, (t) => String(t.Slot ?? 0), active, true);
    this.recheck(bySlot.values());
    let running = 0;
    for (const t of bySlot.values()) {
      const slot = t.Slot ?? 0;
      let mapped = this.slots.get(slot);
      if (mapped === undefined) {
        mapped = this.slots.size + 1;
        this.slots.set(slot, mapped);
      }
      if (!terminal(t.DesiredState) && t.Status.State === 'running') running++;
      if (this.done || replicas > MAX_BARS || mapped > replicas) continue;
      const l = taskLine(`${mapped}/${replicas}`, t);
      if (l) lines.push(l);
    }
    if (!this.done) {
      lines.push(overall(running, replicas, rollback));
      if (running === replicas) this.done = true;
    }
    return { lines, converged: running === replicas };
  }

  private global(tasks: readonly Task[], active: ReadonlySet<string>, rollback: boolean): Step {
    const byNode = pick(tasks, (t) => t.NodeID ?? '', active, false);
    const count = byNode.size;
    const lines: ProgressLine[] = [];
    if (!this.initialized) {
      if (count === 0)
        return { lines: [{ id: 'overall progress', action: 'waiting for new tasks' }], converged: false };
      lines.push(overall(0, count, rollback));
      this.initialized = true;
    }
    this.recheck(byNode.values());
    let running = 0;
    for (const t of byNode.values()) {
      if (!active.has(t.NodeID ?? '')) continue;
      if (!terminal(t.DesiredState) && t.Status.State === 'running') running++;
      if (this.done || count > MAX_BARS) continue;
      const l = taskLine((t.NodeID ?? '').slice(0, 12), t);
      if (l) lines.push(l);
    }
    if (!this.done) {
      lines.push(overall(running, count, rollback));
      if (running === count) this.done = true;
    }
    return { lines, converged: running === count };
  }

  private job(service: Service, tasks: readonly Task[]): Step {
    const iteration = service.JobStatus?.JobIteration.Index;
    const mine = tasks.filter((t) => iteration === undefined || t.JobIteration?.Index === iteration);
    const complete = mine.filter((t) => t.Status.State === 'complete').length;
    const total = service.Spec.Mode?.ReplicatedJob?.TotalCompletions ?? mine.length;
    const failed = mine.find((t) => t.Status.State === 'failed' || t.Status.State === 'rejected');
    const lines: ProgressLine[] = [{ id: 'job progress', action: `${complete} out of ${total} complete` }];
    if (failed?.Status.Err) lines.push({ id: 'error', action: truncError(failed.Status.Err) });
    return { lines, converged: total > 0 && complete >= total };
  }
}
