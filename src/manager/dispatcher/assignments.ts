/**
 * NodeAssignments: what one connected node should hold, and the changes it has not been
 * sent yet. A task belongs to node N while
 *
 *   NodeID = N  and  observed state >= ASSIGNED  and  not (desired REMOVE and terminal)
 *
 * Secrets and configs are sent while a non-terminal task of the node refers to them
 * (reference counts), and removed when the last such task ends or leaves.
 *
 * A stored task update is forwarded to the agent only if the agent has something to do
 * with it: the task is new to the node, its desired state changed, or a manager set its
 * observed state (ASSIGNED or below). Status updates the agent's own reports caused are
 * not echoed back. Spec is not compared: a task's spec never changes (a new spec makes a
 * new task). Work per event is O(1) plus the task's secrets and configs.
 */
import type { Config, Secret } from '../../api/secret.ts';
import type { Task } from '../../api/task.ts';
import { isTerminal, stateRank, TASK_STATES, type TaskState } from '../../api/task-state.ts';
import type { ReadTx, Stored } from '../../store/index.ts';
import type { Assignments, Changes } from './protocol.ts';

interface Tracked {
  desired: TaskState;
  /** Holds references to its secrets and configs (until it ends). */
  holds: boolean;
}

type Pending<T> = Map<string, Stored<T> | null>;

/** Does task `t` belong on node `nodeId`'s list? */
export function belongs(t: Stored<Task>, nodeId: string): boolean {
  if (t.NodeID !== nodeId || stateRank(t.Status.State) < TASK_STATES.assigned) return false;
  return !(t.DesiredState === 'remove' && isTerminal(t.Status.State));
}

export class NodeAssignments {
  private readonly tasks = new Map<string, Tracked>();
  private readonly secretRefs = new Map<string, number>();
  private readonly configRefs = new Map<string, number>();
  private pendingTasks: Pending<Task> = new Map();
  private pendingSecrets: Pending<Secret> = new Map();
  private pendingConfigs: Pending<Config> = new Map();
  private seq = 0;

  constructor(readonly nodeId: string) {}

  /** Changes waiting to be sent. */
  get pending(): number {
    return this.pendingTasks.size + this.pendingSecrets.size + this.pendingConfigs.size;
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Everything the node should hold now: the first message of a session. */
  complete(tx: ReadTx): Assignments {
    for (const t of tx.tasks.byNode(this.nodeId)) this.task(tx, t, undefined);
    return this.message('complete');
  }

  /**
   * A task was created, updated (`t` the new version) or deleted (`deleted` set). Returns
   * true when something is now pending for the agent.
   */
  task(tx: ReadTx, t: Stored<Task>, deleted: Stored<Task> | undefined): boolean {
    const id = t.ID;
    const was = this.tasks.get(id);
    const now = !deleted && belongs(t, this.nodeId);
    if (!was && !now) return false;
    if (was && !now) {
      this.tasks.delete(id);
      if (was.holds) this.release(t);
      this.pendingTasks.set(id, null);
      return true;
    }
    const terminal = isTerminal(t.Status.State);
    if (!was) {
      this.tasks.set(id, { desired: t.DesiredState, holds: !terminal });
      if (!terminal) this.acquire(tx, t);
      this.pendingTasks.set(id, t);
      return true;
    }
    const changed = was.desired !== t.DesiredState || stateRank(t.Status.State) <= TASK_STATES.assigned;
    was.desired = t.DesiredState;
    let dropped = false;
    if (terminal && was.holds) {
      was.holds = false;
      dropped = this.release(t);
    }
    if (changed) this.pendingTasks.set(id, t);
    return changed || dropped;
  }

  /** The pending changes as the next message of the stream (and no longer pending). */
  message(type: 'complete' | 'incremental' = 'incremental'): Assignments {
    const m: Assignments = {
      kind: 'assignments',
      type,
      seq: this.seq + 1,
      appliesTo: this.seq,
      tasks: split(this.pendingTasks),
      secrets: split(this.pendingSecrets),
      configs: split(this.pendingConfigs),
    };
    this.seq++;
    this.pendingTasks = new Map();
    this.pendingSecrets = new Map();
    this.pendingConfigs = new Map();
    return m;
  }

  private acquire(tx: ReadTx, t: Stored<Task>): void {
    const spec = t.Spec.ContainerSpec;
    for (const s of spec?.Secrets ?? []) {
      if (up(this.secretRefs, s.SecretID)) {
        const obj = tx.secrets.get(s.SecretID);
        if (obj) this.pendingSecrets.set(s.SecretID, obj);
      }
    }
    for (const c of spec?.Configs ?? []) {
      if (up(this.configRefs, c.ConfigID)) {
        const obj = tx.configs.get(c.ConfigID);
        if (obj) this.pendingConfigs.set(c.ConfigID, obj);
      }
    }
  }

  /** Drops the task's references; true if a secret or config is no longer needed. */
  private release(t: Stored<Task>): boolean {
    const spec = t.Spec.ContainerSpec;
    let dropped = false;
    for (const s of spec?.Secrets ?? []) {
      if (down(this.secretRefs, s.SecretID)) {
        this.pendingSecrets.set(s.SecretID, null);
        dropped = true;
      }
    }
    for (const c of spec?.Configs ?? []) {
      if (down(this.configRefs, c.ConfigID)) {
        this.pendingConfigs.set(c.ConfigID, null);
        dropped = true;
      }
    }
    return dropped;
  }
}

/** Counts one more reference; true for the first. */
function up(refs: Map<string, number>, id: string): boolean {
  const n = refs.get(id) ?? 0;
  refs.set(id, n + 1);
  return n === 0;
}

/** Counts one reference less; true for the last. */
function down(refs: Map<string, number>, id: string): boolean {
  const n = refs.get(id) ?? 0;
  if (n <= 1) {
    refs.delete(id);
    return n === 1;
  }
  refs.set(id, n - 1);
  return false;
}

function split<T>(pending: Pending<T>): Changes<T> {
  const update: Stored<T>[] = [];
  const remove: string[] = [];
  for (const [id, o] of pending) {
    if (o === null) remove.push(id);
    else update.push(o);
  }
  return { update, remove } as Changes<T>;
}
