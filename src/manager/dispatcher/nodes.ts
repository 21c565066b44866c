/**
 * NodeTracker: the dispatcher's per-node liveness, in memory on the leader. Each node it
 * watches has a deadline; what the deadline means depends on the node's phase:
 *
 *   connected     a session is open; each heartbeat moves the deadline to
 *                 now + grace (the jittered period x 3). Passed: DOWN "heartbeat failure"
 *   disconnected  its session broke; it may reconnect, to any manager, until the
 *                 deadline (now + grace when it broke). Passed: DOWN
 *   unknown       this dispatcher just started (a new leader): every node not already
 *                 DOWN gets one grace before it must have opened a session here, so a
 *                 leader change never marks a healthy node down. Passed: DOWN
 *
 * Timers are lazy: one per node, never re-made on a heartbeat (5,000 nodes beating every
 * 5 s would otherwise make and cancel 1,000 timers a second). A heartbeat only moves the
 * deadline; when the timer fires early it re-arms for the deadline.
 */
import { newId } from '../../api/ids.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import type { DispatcherLink } from './link.ts';

export type NodePhase = 'connected' | 'disconnected' | 'unknown';

export interface Session {
  readonly id: string;
  readonly nodeId: string;
  readonly link: DispatcherLink;
  /** Set once the node write is done and 'accepted' sent. */
  accepted: boolean;
}

interface NodeRecord {
  id: string;
  phase: NodePhase;
  session: Session | undefined;
  /** The last session id given to this node, for an agent that reconnects with it. */
  lastSessionId: string | undefined;
  deadline: number;
  timer: Timer | undefined;
  timerAt: number;
}

export interface NodeTrackerOptions {
  clock: Clock;
  rng: Rng;
  /** The cluster's heartbeat period now (it may change while running). */
  periodMs: () => number;
  epsilonMs: number;
  graceMultiplier: number;
  /** A node's deadline passed in `phase`; it is no longer tracked. */
  expired: (nodeId: string, phase: NodePhase, session: Session | undefined) => void;
}

export class NodeTracker {
  private readonly nodes = new Map<string, NodeRecord>();

  constructor(private readonly opts: NodeTrackerOptions) {}

  get size(): number {
    return this.nodes.size;
  }

  phase(nodeId: string): NodePhase | undefined {
    return this.nodes.get(nodeId)?.phase;
  }

  session(nodeId: string): Session | undefined {
    return this.nodes.get(nodeId)?.session;
  }

  /** Counts by phase (for tests and metrics). */
  counts(): Record<NodePhase, number> {
    const c: Record<NodePhase, number> = { connected: 0, disconnected: 0, unknown: 0 };
    for (const r of this.nodes.values()) c[r.phase]++;
    return c;
  }

  /** Opens a session for the node; returns it and the session it replaces, if any. */
  open(nodeId: string, link: DispatcherLink, wanted?: string): { session: Session; replaced?: Session } {
    const rec = this.record(nodeId);
    const replaced = rec.session;
    const id = wanted !== undefined && wanted === rec.lastSessionId ? wanted : newId(this.opts.rng);
    const session: Session = { id, nodeId, link, accepted: false };
    rec.session = session;
    rec.lastSessionId = id;
    rec.phase = 'connected';
    this.extend(rec, this.opts.periodMs());
    return replaced ? { session, replaced } : { session };
  }

  /** True when `session` is the node's current one. */
  isCurrent(session: Session): boolean {
    return this.nodes.get(session.nodeId)?.session === session;
  }

  /** A heartbeat on the current session: returns the period the agent should wait. */
  beat(session: Session): number {
    const rec = this.nodes.get(session.nodeId);
    const base = this.opts.periodMs();
    const eps = Math.min(this.opts.epsilonMs, base / 2);
    const period = Math.round(base - eps + this.opts.rng.next() * 2 * eps);
    if (rec) this.extend(rec, period);
    return period;
  }

  /** The session broke or was closed: the node has one grace to come back. */
  disconnected(session: Session): void {
    const rec = this.nodes.get(session.nodeId);
    if (!rec || rec.session !== session) return;
    rec.session = undefined;
    rec.phase = 'disconnected';
    this.extend(rec, this.opts.periodMs());
  }

  /** A new leader's dispatcher starts watching a node it has no session with. */
  watchUnknown(nodeId: string): void {
    if (this.nodes.has(nodeId)) return;
    const rec = this.record(nodeId);
    rec.phase = 'unknown';
    this.extend(rec, this.opts.periodMs());
  }

  /** Stops watching a node (deleted, or marked down); returns its session, if any. */
  forget(nodeId: string): Session | undefined {
    const rec = this.nodes.get(nodeId);
    if (!rec) return undefined;
    rec.timer?.cancel();
    this.nodes.delete(nodeId);
    return rec.session;
  }

  /** Every open session (for stop and for manager-list updates). */
  *sessions(): IterableIterator<Session> {
    for (const r of this.nodes.values()) if (r.session) yield r.session;
  }

  clear(): void {
    for (const r of this.nodes.values()) r.timer?.cancel();
    this.nodes.clear();
  }

  private record(nodeId: string): NodeRecord {
    let rec = this.nodes.get(nodeId);
    if (!rec) {
      rec = {
        id: nodeId,
        phase: 'unknown',
        session: undefined,
        lastSessionId: undefined,
        deadline: 0,
        timer: undefined,
        timerAt: 0,
      };
      this.nodes.set(nodeId, rec);
    }
    return rec;
  }

  private extend(rec: NodeRecord, periodMs: number): void {
    rec.deadline = this.opts.clock.now() + periodMs * this.opts.graceMultiplier;
    // A timer due at or before the deadline re-arms itself when it fires: keep it.
    if (rec.timer && rec.timerAt <= rec.deadline) return;
    this.arm(rec, rec.deadline);
  }

  private arm(rec: NodeRecord, at: number): void {
    rec.timer?.cancel();
    rec.timerAt = at;
    rec.timer = this.opts.clock.setTimeout(() => this.fire(rec), Math.max(0, at - this.opts.clock.now()));
  }

  private fire(rec: NodeRecord): void {
    if (this.nodes.get(rec.id) !== rec) return;
    rec.timer = undefined;
    if (this.opts.clock.now() < rec.deadline) {
      this.arm(rec, rec.deadline);
      return;
    }
    this.nodes.delete(rec.id);
    this.opts.expired(rec.id, rec.phase, rec.session);
  }
}
