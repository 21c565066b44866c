/**
 * The simulated network: an in-memory Transport per node on virtual time. Each message is
 * delayed by a random latency (so messages reorder), may be dropped or duplicated, and
 * crosses only between nodes on the same side of a partition. A sender learns that a peer
 * is unreachable (down or cut off) as a real transport would, a little later.
 */
import type { Rng } from '../base/rng.ts';
import type { Message, NodeId } from '../raft/core/types.ts';
import type { Transport, TransportHandler } from '../raft/transport/transport.ts';
import type { VirtualTime } from './time.ts';

export interface NetworkFaults {
  dropRate: number;
  dupRate: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export class SimNetwork {
  private readonly endpoints = new Map<NodeId, TransportHandler>();
  private groups: NodeId[][] | undefined;
  delivered = 0;
  dropped = 0;

  constructor(
    private readonly vt: VirtualTime,
    private readonly rng: Rng,
    public faults: NetworkFaults,
  ) {}

  transport(id: NodeId): SimTransport {
    return new SimTransport(id, this);
  }

  register(id: NodeId, h: TransportHandler): void {
    this.endpoints.set(id, h);
  }

  unregister(id: NodeId): void {
    this.endpoints.delete(id);
  }

  partition(groups: NodeId[][]): void {
    this.groups = groups;
  }

  heal(): void {
    this.groups = undefined;
  }

  describePartition(): string {
    return this.groups ? this.groups.map((g) => g.join(',')).join(' | ') : 'none';
  }

  reachable(a: NodeId, b: NodeId): boolean {
    if (!this.groups) return true;
    return this.groups.findIndex((g) => g.includes(a)) === this.groups.findIndex((g) => g.includes(b));
  }

  send(from: NodeId, m: Message): void {
    const isSnap = m.type === 'snap';
    if (!this.endpoints.has(m.to) || !this.reachable(from, m.to)) {
      this.dropped++;
      this.reportLater(from, m.to, isSnap);
      return;
    }
    if (this.rng.chance(this.faults.dropRate)) {
      this.dropped++;
      if (isSnap) this.reportLater(from, m.to, true);
      return;
    }
    const copies = this.rng.chance(this.faults.dupRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay =
        this.faults.minDelayMs + this.rng.next() * (this.faults.maxDelayMs - this.faults.minDelayMs);
      this.vt.after(isSnap ? delay * 4 : delay, () => {
        const h = this.endpoints.get(m.to);
        if (!h || !this.reachable(from, m.to)) {
          this.dropped++;
          if (isSnap) this.endpoints.get(from)?.onSnapshotStatus(m.to, false);
          return;
        }
        this.delivered++;
        h.onMessage(m);
        if (isSnap && i === 0) this.endpoints.get(from)?.onSnapshotStatus(m.to, true);
      });
    }
  }

  private reportLater(from: NodeId, to: NodeId, snap: boolean): void {
    this.vt.after(this.faults.maxDelayMs, () => {
      const h = this.endpoints.get(from);
      if (!h) return;
      if (snap) h.onSnapshotStatus(to, false);
      else h.onUnreachable(to);
    });
  }
}

export class SimTransport implements Transport {
  private started = false;

  constructor(
    readonly id: NodeId,
    private readonly net: SimNetwork,
  ) {}

  async start(handler: TransportHandler): Promise<void> {
    this.started = true;
    this.net.register(this.id, handler);
  }

  send(messages: readonly Message[]): void {
    if (!this.started) return;
    for (const m of messages) this.net.send(this.id, m);
  }

  addPeer(): void {
    // Routing is by id: every node is reachable unless down or partitioned.
  }

  removePeer(): void {}

  async close(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.net.unregister(this.id);
  }
}
