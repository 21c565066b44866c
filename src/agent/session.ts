/**
 * AgentSession: one session over one link, from the agent's side. It opens the session,
 * heartbeats at the period the dispatcher gives, checks that assignment messages follow
 * each other, and ends (once) when anything goes wrong:
 *
 *   open ──(rpcTimeout)──▶ accepted ──period──▶ heartbeat ──(rpcTimeout)──▶ ack ──period──▶ …
 *   no answer in time, link broken, a gap in the assignments  ──▶ ended {broken}
 *   an error from the dispatcher                               ──▶ ended {error}
 *
 * One timer at a time: the open timeout, the wait for the next heartbeat, or the wait for
 * its answer. The agent (agent.ts) decides what to do after the end; close() is the
 * agent's own, quiet end (it tells the dispatcher, then closes the link).
 */
import type { DeepReadonly } from '../api/meta.ts';
import type { Node, NodeAvailability, NodeDescription } from '../api/node.ts';
import type { Clock, Timer } from '../base/clock.ts';
import type { Logger } from '../base/logger.ts';
import type { AgentLink } from '../manager/dispatcher/link.ts';
import type {
  Assignments,
  DispatcherMessage,
  LogsSubscribe,
  ManagerPeer,
  RootCaUpdate,
  SessionAccepted,
  SessionErrorCode,
  TaskStatusUpdate,
  WireLogLine,
  WireMesh,
} from '../manager/dispatcher/protocol.ts';

export type SessionEnd =
  | { kind: 'error'; code: SessionErrorCode; message: string; leader?: ManagerPeer }
  | { kind: 'broken'; reason: string };

export interface SessionHandlers {
  accepted(s: AgentSession, m: SessionAccepted): void;
  assignments(s: AgentSession, m: Assignments): void;
  managers(s: AgentSession, managers: readonly ManagerPeer[]): void;
  node(s: AgentSession, node: DeepReadonly<Node>): void;
  logsSubscribe?(s: AgentSession, m: LogsSubscribe): void;
  mesh?(s: AgentSession, mesh: WireMesh): void;
  rootCa?(s: AgentSession, m: RootCaUpdate): void;
  logsCancel?(s: AgentSession, subId: string): void;
  ended(s: AgentSession, why: SessionEnd): void;
}

export interface AgentSessionOptions {
  link: AgentLink;
  /** The manager's address (the one dialed). */
  addr: string;
  nodeId: string;
  description: DeepReadonly<NodeDescription>;
  /** The session id the agent had, if any. */
  sessionId?: string;
  /** Availability asked at join, for a node the swarm does not know yet. */
  availability?: NodeAvailability;
  clock: Clock;
  rpcTimeoutMs: number;
  logger: Logger;
  handlers: SessionHandlers;
}

export class AgentSession {
  sessionId: string | undefined;
  private timer: Timer | undefined;
  private over = false;
  private lastSeq = -1;

  constructor(private readonly opts: AgentSessionOptions) {
    const { link } = opts;
    link.attach({
      onMessage: (m) => this.onMessage(m),
      onClose: (reason) => this.end({ kind: 'broken', reason }),
    });
    const open = {
      kind: 'open',
      nodeId: opts.nodeId,
      description: opts.description,
      ...(opts.availability && { availability: opts.availability }),
    } as const;
    link.send(opts.sessionId ? { ...open, sessionId: opts.sessionId } : open);
    this.wait('timed out waiting for the session to open');
  }

  get addr(): string {
    return this.opts.addr;
  }

  get ended(): boolean {
    return this.over;
  }

  sendStatus(updates: TaskStatusUpdate[]): boolean {
    if (this.over || this.sessionId === undefined) return false;
    return this.opts.link.send({ kind: 'status', sessionId: this.sessionId, updates });
  }

  /** Reports the routing mesh's ports that could not be opened (empty: none). */
  sendMeshProblems(problems: readonly string[]): boolean {
    if (this.over || this.sessionId === undefined) return false;
    return this.opts.link.send({ kind: 'mesh-problems', sessionId: this.sessionId, problems });
  }

  /** Reports the node's TLS state (trust root, certificate issuer). */
  sendTlsInfo(tlsInfo: NonNullable<NodeDescription['TLSInfo']>): boolean {
    if (this.over || this.sessionId === undefined) return false;
    return this.opts.link.send({ kind: 'tls-info', sessionId: this.sessionId, tlsInfo });
  }

  /** Publishes log lines of a subscription (the log broker's). */
  sendLogs(subId: string, lines: WireLogLine[], end?: { done: true; error?: string }): boolean {
    if (this.over || this.sessionId === undefined) return false;
    return this.opts.link.send({ kind: 'logs', sessionId: this.sessionId, subId, lines, ...end });
  }

  /** The agent ends the session itself: the dispatcher is told, no `ended` callback. */
  close(): void {
    if (this.over) return;
    this.over = true;
    this.timer?.cancel();
    if (this.sessionId !== undefined) this.opts.link.send({ kind: 'close', sessionId: this.sessionId });
    this.opts.link.close();
  }

  private onMessage(m: DispatcherMessage): void {
    if (this.over) return;
    const h = this.opts.handlers;
    switch (m.kind) {
      case 'accepted':
        if (this.sessionId !== undefined) return;
        this.sessionId = m.sessionId;
        this.nextBeat(m.heartbeatPeriodMs);
        h.accepted(this, m);
        return;
      case 'heartbeat':
        this.nextBeat(m.periodMs);
        return;
      case 'assignments':
        if (m.type === 'incremental' && m.appliesTo !== this.lastSeq) {
          this.end({
            kind: 'broken',
            reason: `assignments out of sequence (${m.appliesTo} after ${this.lastSeq})`,
          });
          return;
        }
        this.lastSeq = m.seq;
        h.assignments(this, m);
        return;
      case 'managers':
        h.managers(this, m.managers);
        return;
      case 'node':
        h.node(this, m.node);
        return;
      case 'mesh':
        h.mesh?.(this, m.mesh);
        return;
      case 'root-ca':
        h.rootCa?.(this, m);
        return;
      case 'logs-subscribe':
        h.logsSubscribe?.(this, m);
        return;
      case 'logs-cancel':
        h.logsCancel?.(this, m.subId);
        return;
      case 'error': {
        const why: SessionEnd = { kind: 'error', code: m.code, message: m.message };
        if (m.leader) why.leader = m.leader;
        this.end(why);
        return;
      }
    }
  }

  private nextBeat(periodMs: number): void {
    this.timer?.cancel();
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.over || this.sessionId === undefined) return;
      this.opts.link.send({ kind: 'heartbeat', sessionId: this.sessionId });
      this.wait('heartbeat timed out');
    }, periodMs);
  }

  private wait(reason: string): void {
    this.timer?.cancel();
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.end({ kind: 'broken', reason });
    }, this.opts.rpcTimeoutMs);
  }

  private end(why: SessionEnd): void {
    if (this.over) return;
    this.over = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.opts.link.close();
    this.opts.logger.info({ manager: this.opts.addr, ...why }, 'session ended');
    this.opts.handlers.ended(this, why);
  }
}
