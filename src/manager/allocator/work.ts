/**
 * Work: what the next pass must look at, and who waits for what. Store events put ids in
 * the dirty sets (and the ids of removed or finished objects in the release sets); an
 * object that cannot be allocated now waits on wake keys (`ports`, `net:<id>`,
 * `addr:<network>`, `svc:<id>`, `subnets`, `ingress`) and becomes dirty again when one
 * fires: when something was released, a network or a service was written. Nothing is
 * retried on a timer; nothing waits on a key no change can fire except a task whose
 * service is gone, which the orchestrator removes.
 *
 * `problems` keeps each blocked object's reason (what `Allocator.problems()` shows, and
 * what a blocked task's Status.Err already says, so it is written once).
 */
export type Kind = 'network' | 'service' | 'task';

export class Work {
  readonly dirty: Record<Kind, Set<string>> = {
    network: new Set(),
    service: new Set(),
    task: new Set(),
  };
  readonly gone: Record<Kind, Set<string>> = {
    network: new Set(),
    service: new Set(),
    task: new Set(),
  };
  /** The cluster object changed (its address pools). */
  clusterChanged = false;
  readonly problems: Record<Kind, Map<string, string>> = {
    network: new Map(),
    service: new Map(),
    task: new Map(),
  };
  private readonly waiters = new Map<string, Set<string>>();
  private readonly waiting = new Map<string, string[]>();

  get pending(): boolean {
    const { dirty, gone } = this;
    return (
      this.clusterChanged ||
      dirty.network.size + dirty.service.size + dirty.task.size > 0 ||
      gone.network.size + gone.service.size + gone.task.size > 0
    );
  }

  /** `kind/id` waits until one of `keys` fires. */
  wait(kind: Kind, id: string, keys: readonly string[]): void {
    const who = `${kind}/${id}`;
    this.unwait(who);
    if (keys.length === 0) return;
    this.waiting.set(who, [...keys]);
    for (const k of keys) {
      let set = this.waiters.get(k);
      if (!set) {
        set = new Set();
        this.waiters.set(k, set);
      }
      set.add(who);
    }
  }

  /** Fires wake keys: their waiters become dirty. */
  wake(keys: Iterable<string>): void {
    for (const k of keys) {
      const set = this.waiters.get(k);
      if (!set) continue;
      for (const who of [...set]) {
        this.unwait(who);
        const slash = who.indexOf('/');
        this.dirty[who.slice(0, slash) as Kind].add(who.slice(slash + 1));
      }
    }
  }

  /** The object is allocated or gone: it waits for nothing and has no problem. */
  settle(kind: Kind, id: string): void {
    this.unwait(`${kind}/${id}`);
    this.problems[kind].delete(id);
  }

  /** Objects waiting (for tests and figures). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  private unwait(who: string): void {
    const keys = this.waiting.get(who);
    if (!keys) return;
    this.waiting.delete(who);
    for (const k of keys) {
      const set = this.waiters.get(k);
      set?.delete(who);
      if (set?.size === 0) this.waiters.delete(k);
    }
  }
}
