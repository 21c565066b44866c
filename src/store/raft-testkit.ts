/**
 * TEST ONLY: a Raft cluster of stores on virtual time, for the store's replication tests
 * and property tests. Each member is a real RaftNode (driver and core) over the
 * simulator's network and memory disks, with a MemoryStore as its state machine and a
 * RaftProposer as the store's proposer. It imports src/raft and src/sim, which sit above
 * the store: nothing but *.test.ts files may import it.
 */
import { SeededRng } from '../base/rng.ts';
import { bootstrapEntries } from '../raft/core/bootstrap.ts';
import { RaftNode, type RaftNodeOptions, type StateMachine } from '../raft/node.ts';
import { MemoryStorage } from '../raft/storage/memory.ts';
import { SimNetwork } from '../sim/network.ts';
import { NodeClock, VirtualTime } from '../sim/time.ts';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
import { RaftProposer } from './proposer.ts';
import type { StoreEvent } from './types.ts';

export interface StoreMember {
  id: string;
  node: RaftNode;
  store: MemoryStore;
  storage: MemoryStorage;
  /** Every event the member's store delivered, as `kind table id @index`. */
  events: string[];
  /** Raft indexes of the store entries this member applied, in order. */
  applied: number[];
}

type Extra = Partial<RaftNodeOptions>;

export function briefEvent(e: StoreEvent): string {
  return `${e.kind} ${e.table} ${e.object.ID} @${e.index}`;
}

export class StoreCluster {
  readonly vt = new VirtualTime();
  readonly net = new SimNetwork(this.vt, new SeededRng(7), {
    dropRate: 0,
    dupRate: 0,
    minDelayMs: 1,
    maxDelayMs: 3,
  });
  readonly members = new Map<string, StoreMember>();

  constructor(private readonly storeOpts: Partial<MemoryStoreOptions> = {}) {}

  /** Starts a member on `storage`; its store is new, filled by the driver (snapshot + log). */
  async add(id: string, storage: MemoryStorage, extra: Extra = {}): Promise<StoreMember> {
    const clock = new NodeClock(this.vt, 1);
    const store = new MemoryStore({ clock, freeze: true, ...this.storeOpts });
    const m = { id, store, storage, events: [] as string[], applied: [] as number[] } as StoreMember;
    store.subscribe((es) => {
      for (const e of es) m.events.push(briefEvent(e));
    });
    // StoreStateMachine is raft's StateMachine (checked here, where both are in view).
    const sm: StateMachine = store.stateMachine;
    const stateMachine: StateMachine = {
      apply: (data, index) => {
        m.applied.push(index);
        return sm.apply(data, index);
      },
      snapshot: () => sm.snapshot(),
      restore: (data) => sm.restore(data),
    };
    m.node = new RaftNode({
      id,
      address: `10.0.0.${id.slice(1)}:2377`,
      storage,
      transport: this.net.transport(id),
      stateMachine,
      clock,
      rng: new SeededRng(id.charCodeAt(1)),
      requestTimeoutMs: 5_000,
      ...extra,
    });
    store.setProposer(new RaftProposer(m.node));
    this.members.set(id, m);
    await m.node.start();
    return m;
  }

  async boot(ids: string[], extra: Extra = {}): Promise<void> {
    const { hardState, entries } = bootstrapEntries(
      ids.map((id) => ({ id, context: new TextEncoder().encode(`10.0.0.${id.slice(1)}:2377`) })),
    );
    for (const id of ids) {
      const storage = new MemoryStorage();
      await storage.save(hardState, entries);
      await this.add(id, storage, extra);
    }
    await this.run(3_000);
  }

  /** Advances virtual time by `ms`, running every event and letting promises settle. */
  async run(ms: number): Promise<void> {
    const end = this.vt.now + ms;
    for (;;) {
      const fn = this.vt.next(end);
      if (!fn) break;
      fn();
      await new Promise((r) => setImmediate(r));
    }
    this.vt.now = end;
  }

  /** Runs until `p` settles (or `ms` of virtual time pass). */
  async until<T>(p: Promise<T>, ms = 20_000): Promise<T> {
    let done = false;
    const wrapped = p.finally(() => {
      done = true;
    });
    wrapped.catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    const end = this.vt.now + ms;
    while (!done && this.vt.now < end) await this.run(5);
    return wrapped;
  }

  leader(): StoreMember {
    const l = [...this.members.values()].find((m) => m.node.isLeader);
    if (!l) throw new Error('no leader');
    return l;
  }

  followers(): StoreMember[] {
    return [...this.members.values()].filter((m) => !m.node.isLeader);
  }

  /** Crashes a member: its disk keeps what was durable. Returns that disk's image. */
  crash(id: string): MemoryStorage {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    m.node.halt();
    this.members.delete(id);
    return MemoryStorage.restore(m.storage.crashImage());
  }

  async stopAll(): Promise<void> {
    for (const m of this.members.values()) m.node.halt();
    this.members.clear();
  }
}
