/**
 * FakeRegistry: every fake container by task id, across all the fake nodes that share it
 * (the simulator passes one registry to its 5,000 FakeExecutors), so a test or a fault
 * injector can find a task wherever it runs and control it (registry.get(id)?.exitNow(3)).
 */
import type { FakeContainer } from './container.ts';

export class FakeRegistry {
  private readonly byTask = new Map<string, FakeContainer>();

  get size(): number {
    return this.byTask.size;
  }

  get(taskId: string): FakeContainer | undefined {
    return this.byTask.get(taskId);
  }

  /** The container of `taskId`; throws when there is none (a test's mistake). */
  require(taskId: string): FakeContainer {
    const c = this.byTask.get(taskId);
    if (!c) throw new Error(`no fake container for task ${taskId}`);
    return c;
  }

  values(): IterableIterator<FakeContainer> {
    return this.byTask.values();
  }

  /** Containers in a given state, e.g. every running one (for fault injection). */
  inState(state: FakeContainer['state']): FakeContainer[] {
    const out: FakeContainer[] = [];
    for (const c of this.byTask.values()) if (c.state === state) out.push(c);
    return out;
  }

  add(c: FakeContainer): void {
    this.byTask.set(c.taskId, c);
  }

  delete(c: FakeContainer): void {
    if (this.byTask.get(c.taskId) === c) this.byTask.delete(c.taskId);
  }
}
