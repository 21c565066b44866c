/**
 * Pieces the replicated, global and jobs orchestrators share: the batch that retires a
 * deleted service's tasks (desired REMOVE: the agents stop them, the reaper deletes them),
 * a batch writer that remembers which work item each transaction served (so a transaction
 * lost to a concurrent write is retried), and the cache of which nodes can hold tasks.
 */
import type { Batch } from '../../store/batch.ts';
import type { WriteTx } from '../../store/tables/index.ts';
import type { BatchResult, StoreEvent } from '../../store/types.ts';
import { invalidNode, rank } from './task.ts';

/** Transactions tagged with the work item they serve; conflicts hand their item back. */
export class TaggedBatch<K> {
  private readonly tags: K[] = [];
  constructor(private readonly b: Batch) {}

  update(tag: K, fn: (tx: WriteTx) => unknown): void {
    this.tags[this.b.update(fn)] = tag;
  }

  /** A read-only transaction over the batch's view so far (it writes nothing). */
  read<R>(fn: (tx: WriteTx) => R): R {
    let out: R | undefined;
    this.b.update((tx) => {
      out = fn(tx);
    });
    return out as R;
  }

  /**
   * The tags of the transactions worth another try: lost to a concurrent write, or (for
   * new tasks) to an id that happened to be taken.
   */
  conflicts(r: BatchResult): K[] {
    const out: K[] = [];
    for (const f of r.failed) {
      const tag = this.tags[f.tx];
      if ((f.error.code === 'conflict' || f.error.code === 'already_exists') && tag !== undefined)
        out.push(tag);
    }
    return out;
  }
}

/**
 * Creates go in transactions of up to CREATE_CHUNK tasks: a transaction per task costs
 * ~30% more at 100,000 tasks (measured), and one per thousand makes one failure undo many.
 */
export const CREATE_CHUNK = 64;

export function createTasks<T>(
  b: TaggedBatch<string>,
  tag: string,
  items: readonly T[],
  make: (tx: WriteTx, item: T) => void,
): void {
  for (let i = 0; i < items.length; i += CREATE_CHUNK) {
    const chunk = items.slice(i, i + CREATE_CHUNK);
    b.update(tag, (tx) => {
      for (const item of chunk) make(tx, item);
    });
  }
}

/** Desired REMOVE for every task of a service (deleted services; swarmkit's SetServiceTasksRemove). */
export function retireServiceTasks(b: TaggedBatch<string>, serviceId: string): void {
  const ids = b.read((tx) => tx.tasks.byService(serviceId).map((t) => t.ID));
  for (const id of ids)
    b.update(`x${serviceId}`, (tx) => {
      const t = tx.tasks.get(id);
      if (t && rank(t.DesiredState) < rank('remove')) tx.tasks.update(t, { DesiredState: 'remove' });
    });
}

/** Which nodes can hold tasks (not down, not drained), kept from events. */
export class NodeHealth {
  private readonly ok = new Map<string, boolean>();

  set(id: string, ok: boolean): void {
    this.ok.set(id, ok);
  }

  /** True when the node exists and is neither down nor drained. */
  valid(id: string): boolean {
    return this.ok.get(id) === true;
  }

  /** Applies a node event; returns true when the node just became unable to hold tasks. */
  apply(e: StoreEvent & { table: 'nodes' }): boolean {
    const was = this.ok.get(e.object.ID);
    if (e.kind === 'delete') {
      this.ok.delete(e.object.ID);
      return was === true;
    }
    const now = !invalidNode(e.object);
    this.ok.set(e.object.ID, now);
    return !now && was !== false;
  }
}
