/**
 * MemoryNetwork: SessionLinks in memory, on an injected Clock, for tests and the
 * simulator. Each message takes a latency (fixed or drawn from the Rng) but order is kept
 * per direction, as on a stream. Faults:
 *
 *   sever(addr)       every link to or from addr breaks now (both ends: onClose), the
 *                     messages in flight are lost: a dropped TCP connection
 *   crash(addr)       the manager at addr is gone: its listener closes, its links break,
 *                     later dials are refused ("connection refused")
 *   blackhole(addr)   a silent partition, as TCP sees one: messages to and from addr are
 *                     held (not lost: TCP retransmits), links stay open, dials time out;
 *                     when the partition heals the held messages arrive, in order; a link
 *                     held longer than `breakAfterMs` breaks (TCP gives up), and only
 *                     heartbeat timeouts notice anything before that
 *
 * A link closed by one end reaches the other as onClose("closed by peer"), after the
 * messages sent before it. With codec 'json' every message is copied through JSON (proves
 * the protocol is plain data; costs time), otherwise objects are shared.
 */
import type { Clock } from '../../base/clock.ts';
import { ShoalError } from '../../base/errors.ts';
import type { Rng } from '../../base/rng.ts';
import type {
  AgentLink,
  DialResult,
  DispatcherLink,
  LinkHandler,
  LinkPeer,
  SessionAcceptor,
  SessionDialer,
  SessionLink,
} from './link.ts';

export interface MemoryNetworkOptions {
  clock: Clock;
  /** Draws latencies in a range (default: fixed latency, no randomness needed). */
  rng?: Rng;
  /** One-way delay of a message or a dial: fixed, or drawn in [min, max]. Default 1 ms. */
  latencyMs?: number | { min: number; max: number };
  codec?: 'none' | 'json';
  /** How long a dial to a blackholed address takes to fail (default 5 s). */
  connectTimeoutMs?: number;
  /** A link whose messages are held this long by a blackhole breaks (default 20 s). */
  breakAfterMs?: number;
}

export interface Listener {
  close(): void;
}

class End<In, Out> implements SessionLink<In, Out> {
  peer!: End<Out, In>;
  closed = false;
  private handler: LinkHandler<In> | undefined;
  private inbox: In[] | undefined;
  private pendingClose: string | undefined;
  /** When this end's last message reaches the peer (keeps order per direction). */
  lastAt = 0;
  /** Messages held by a blackhole, in order, until it heals or the link breaks. */
  held: Array<{ deliver: () => void; msg: unknown }> | undefined;

  constructor(
    private readonly net: MemoryNetwork,
    readonly remote: LinkPeer,
    readonly local: string,
  ) {}

  attach(handler: LinkHandler<In>): void {
    this.handler = handler;
    const inbox = this.inbox;
    this.inbox = undefined;
    // Messages that arrived before the link closed are still delivered, in order.
    for (const m of inbox ?? []) if (this.handler === handler) handler.onMessage(m);
    if (this.pendingClose !== undefined) this.notifyClose(this.pendingClose);
  }

  send(msg: Out): boolean {
    if (this.closed) return false;
    this.net.carry(this, () => this.peer.receive(msg), msg);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.net.closed(this);
    this.net.carry(this, () => this.peer.remoteClosed('closed by peer'), undefined);
  }

  receive(msg: In): void {
    if (this.closed) return;
    if (this.handler) this.handler.onMessage(msg);
    else {
      this.inbox ??= [];
      this.inbox.push(msg);
    }
  }

  remoteClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.net.closed(this);
    this.notifyClose(reason);
  }

  private notifyClose(reason: string): void {
    if (!this.handler) {
      this.pendingClose = reason;
      return;
    }
    this.pendingClose = undefined;
    this.handler.onClose(reason);
  }
}

type AnyEnd = End<unknown, unknown>;

export class MemoryNetwork {
  private readonly listeners = new Map<string, SessionAcceptor>();
  private readonly ends = new Set<AnyEnd>();
  private readonly holes = new Set<string>();
  readonly stats = { sent: 0, held: 0, dials: 0, refused: 0 };

  constructor(private readonly opts: MemoryNetworkOptions) {}

  /** Open link ends (two per live connection). */
  get openEnds(): number {
    return this.ends.size;
  }

  listen(addr: string, acceptor: SessionAcceptor): Listener {
    if (this.listeners.has(addr)) throw new Error(`memlink: ${addr} is already listening`);
    this.listeners.set(addr, acceptor);
    return { close: () => this.crash(addr) };
  }

  /** A dialer for the node at `from` (its address and, if authenticated, its node id). */
  dialer(from: LinkPeer): SessionDialer {
    return { dial: (addr) => this.dial(from, addr) };
  }

  sever(addr: string): number {
    let n = 0;
    for (const e of [...this.ends]) {
      if (e.local !== addr && e.peer.local !== addr) continue;
      n++;
      this.ends.delete(e);
      // Both ends learn of it on the next turn, not inside the caller.
      this.opts.clock.setTimeout(() => e.remoteClosed('connection reset'), 0);
    }
    return n / 2;
  }

  crash(addr: string): void {
    this.listeners.delete(addr);
    this.sever(addr);
  }

  blackhole(addr: string, on = true): void {
    if (on) {
      this.holes.add(addr);
      return;
    }
    this.holes.delete(addr);
    // The partition healed: what TCP kept retransmitting arrives now, in order.
    for (const e of [...this.ends]) {
      if (!e.held || this.cut(e)) continue;
      const held = e.held;
      e.held = undefined;
      for (const h of held) this.carry(e, h.deliver, h.msg);
    }
  }

  // ---- internals (used by End) ----

  private cut(e: AnyEnd): boolean {
    return this.holes.has(e.local) || this.holes.has(e.peer.local);
  }

  carry(from: AnyEnd, deliver: () => void, msg: unknown): void {
    if (this.cut(from)) {
      this.stats.held++;
      if (!from.held) {
        from.held = [];
        // TCP retransmits for a while, then gives up and the connection breaks.
        this.opts.clock.setTimeout(() => {
          if (!from.held || !this.ends.has(from)) return;
          this.ends.delete(from);
          this.ends.delete(from.peer);
          from.remoteClosed('connection timed out');
          from.peer.remoteClosed('connection timed out');
        }, this.opts.breakAfterMs ?? 20_000);
      }
      from.held.push({ deliver, msg });
      return;
    }
    this.stats.sent++;
    const now = this.opts.clock.now();
    const at = Math.max(now + this.latency(), from.lastAt);
    from.lastAt = at;
    if (msg !== undefined && this.opts.codec === 'json') {
      const copy = JSON.parse(JSON.stringify(msg)) as unknown;
      const peer = from.peer;
      this.opts.clock.setTimeout(() => peer.receive(copy), at - now);
      return;
    }
    this.opts.clock.setTimeout(deliver, at - now);
  }

  closed(e: AnyEnd): void {
    this.ends.delete(e);
  }

  private async dial(from: LinkPeer, addr: string): Promise<DialResult> {
    this.stats.dials++;
    const { clock } = this.opts;
    const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    if (this.holes.has(addr) || this.holes.has(from.addr)) {
      await wait(this.opts.connectTimeoutMs ?? 5_000);
      return { ok: false, error: new ShoalError('unavailable', `connection timed out: ${addr}`) };
    }
    await wait(this.latency());
    const acceptor = this.listeners.get(addr);
    if (!acceptor || this.holes.has(addr)) {
      this.stats.refused++;
      return { ok: false, error: new ShoalError('unavailable', `connection refused: ${addr}`) };
    }
    const client = new End(this, { addr }, from.addr) as unknown as AgentLink & AnyEnd;
    const server = new End(this, from, addr) as unknown as DispatcherLink & AnyEnd;
    client.peer = server;
    server.peer = client;
    this.ends.add(client);
    this.ends.add(server);
    acceptor.accept(server);
    return { ok: true, link: client };
  }

  private latency(): number {
    const l = this.opts.latencyMs ?? 1;
    if (typeof l === 'number') return l;
    const rng = this.opts.rng;
    if (!rng) throw new Error('memlink: a latency range needs an rng');
    return l.min + rng.next() * (l.max - l.min);
  }
}
