/**
 * The endpoints of one published port on the user-space path: which one a new connection
 * (or UDP flow) goes to, and what happens to connections of an endpoint that leaves.
 *
 *   update(endpoints) ─► added: live at once
 *                     ─► removed: draining; its open connections may go on until
 *                        drainMs (the task's stop grace period), then are closed;
 *                        back in the table before that: live again, nothing closed
 *   pick()            ─► round-robin over live ones, or the one with the fewest open
 *                        connections (ties broken round-robin)
 */
import type { Clock, Timer } from '../../../base/clock.ts';
import { type BalanceMode, endpointKey, type MeshEndpoint } from '../types.ts';

/** Something open through the mesh (a proxied TCP connection, a UDP flow). */
export interface Flow {
  close(): void;
}

export class Backend {
  readonly key: string;
  readonly conns = new Set<Flow>();
  drainTimer: Timer | undefined;

  constructor(public ep: MeshEndpoint) {
    this.key = endpointKey(ep);
  }

  get active(): number {
    return this.conns.size;
  }

  /** Tracks a flow until it ends (call the returned function then). */
  track(f: Flow): () => void {
    this.conns.add(f);
    return () => this.conns.delete(f);
  }

  closeAll(): void {
    for (const c of [...this.conns]) c.close();
    this.conns.clear();
  }
}

export class Backends {
  private live: Backend[] = [];
  private readonly byKey = new Map<string, Backend>();
  private readonly draining = new Map<string, Backend>();
  private next = 0;

  constructor(
    private readonly clock: Clock,
    public mode: BalanceMode = 'round-robin',
  ) {}

  get size(): number {
    return this.live.length;
  }

  /** The endpoints now live (by key), for tests and reports. */
  liveKeys(): string[] {
    return this.live.map((b) => b.key);
  }

  drainingCount(): number {
    return this.draining.size;
  }

  pick(exclude?: ReadonlySet<Backend>): Backend | undefined {
    const n = this.live.length;
    if (n === 0) return undefined;
    if (this.mode === 'least-connections') return this.pickLeast(exclude);
    for (let i = 0; i < n; i++) {
      const b = this.live[this.next++ % n]!;
      if (this.next >= n) this.next = 0;
      if (!exclude?.has(b)) return b;
    }
    return undefined;
  }

  private pickLeast(exclude?: ReadonlySet<Backend>): Backend | undefined {
    const n = this.live.length;
    let best: Backend | undefined;
    // Start where round-robin is, so ties rotate instead of always hitting the first.
    for (let i = 0; i < n; i++) {
      const b = this.live[(this.next + i) % n]!;
      if (exclude?.has(b)) continue;
      if (!best || b.active < best.active) best = b;
    }
    this.next = (this.next + 1) % n;
    return best;
  }

  update(endpoints: readonly MeshEndpoint[]): void {
    const keep = new Set<string>();
    const live: Backend[] = [];
    for (const ep of endpoints) {
      const key = endpointKey(ep);
      keep.add(key);
      let b = this.byKey.get(key) ?? this.draining.get(key);
      if (b) {
        b.ep = ep;
        b.drainTimer?.cancel();
        b.drainTimer = undefined;
        this.draining.delete(key);
      } else {
        b = new Backend(ep);
      }
      this.byKey.set(key, b);
      live.push(b);
    }
    for (const [key, b] of this.byKey) {
      if (keep.has(key)) continue;
      this.byKey.delete(key);
      this.drain(b);
    }
    this.live = live;
    if (this.next >= live.length) this.next = 0;
  }

  private drain(b: Backend): void {
    if (b.active === 0) return;
    this.draining.set(b.key, b);
    b.drainTimer = this.clock.setTimeout(
      () => {
        b.drainTimer = undefined;
        this.draining.delete(b.key);
        b.closeAll();
      },
      Math.max(0, b.ep.drainMs),
    );
  }

  /** Closes every connection, live or draining, and cancels the drain timers. */
  closeAll(): void {
    for (const b of [...this.live, ...this.draining.values()]) {
      b.drainTimer?.cancel();
      b.closeAll();
    }
    this.live = [];
    this.byKey.clear();
    this.draining.clear();
  }
}
