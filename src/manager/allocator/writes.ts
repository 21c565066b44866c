/**
 * PendingWrite: one store transaction of a pass, built from a decision. `apply` runs inside
 * the pass's store.batch and updates the object at the version the decision read (so a
 * concurrent change by another writer makes it fail with "update out of sequence", and the
 * object is decided again); `commit` finishes or undoes the decision once the batch has
 * settled. A class, not closures: a pass of 100,000 tasks makes 100,000 of them.
 *
 * A blocked task is written only to say why (Status.Err, state still NEW), and only when
 * it does not say so already: Docker logs the reason on the manager and leaves the task
 * silent; Shoal shows it in `docker service ps`.
 */
import type { DeepReadonly } from '../../api/meta.ts';
import type { Network } from '../../api/network.ts';
import type { Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import type { WriteTx } from '../../store/tables/index.ts';
import type { Stored } from '../../store/types.ts';
import type { Commit } from './commits.ts';
import type { Kind } from './work.ts';

type Obj = DeepReadonly<Network> | DeepReadonly<Service> | DeepReadonly<Task>;

export class PendingWrite {
  constructor(
    readonly kind: Kind,
    private readonly obj: Obj,
    private readonly changes: object,
    /** Absent for a blocked task's Status.Err: nothing to finish or undo. */
    readonly commit?: Commit,
  ) {}

  get id(): string {
    return this.obj.ID;
  }

  apply(tx: WriteTx): void {
    if (this.kind === 'task')
      tx.tasks.update(this.obj as Stored<Task>, this.changes as Partial<Stored<Task>>);
    else if (this.kind === 'service')
      tx.services.update(this.obj as Stored<Service>, this.changes as Partial<Stored<Service>>);
    else tx.networks.update(this.obj as Stored<Network>, this.changes as Partial<Stored<Network>>);
  }

  /** The write a blocked task needs to say why, if it does not say so already. */
  static blockedTask(t: Stored<Task>, reason: string, now: string): PendingWrite | undefined {
    if (t.Status.Err === reason) return undefined;
    return new PendingWrite('task', t, { Status: { ...t.Status, Timestamp: now, Err: reason } });
  }
}
