/**
 * Dispatcher: the manager end of every node's session. It runs on the leader (start() on
 * becoming leader, stop() on losing it); on any other manager it answers an agent with
 * the leader's address, and the agent goes there.
 *
 *   accept(link) ── open ──▶ node READY (+Addr, Description; created if new) written, then
 *                            accepted, then the COMPLETE set of assignments
 *                ── heartbeat ──▶ NodeTracker deadline moved; ack with the next period
 *                ── status ──▶ UpdateQueue (coalesced, batched store writes)
 *                ── close / link broken ──▶ node DISCONNECTED; DOWN if not back in grace
 *   store events (ONE subscription) ──▶ AssignmentStreams ──▶ INCREMENTAL messages
 *   NodeTracker deadline passed ──▶ node DOWN ("heartbeat failure"), session ended
 *
 * It writes only the fields it owns: Task.Status (from what agents report), Node.Status
 * and Node.Description, and creates a Node on its first connection (until the CA does at
 * join: `unknownNodes: 'refuse'`). Orchestrators react to DOWN through the store.
 */
import { type Cluster, DEFAULT_CLUSTER_NAME } from '../../api/cluster.ts';
import { type DeepReadonly, NS_PER_MS } from '../../api/meta.ts';
import type { Node } from '../../api/node.ts';
import type { Clock } from '../../base/clock.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import type { Rng } from '../../base/rng.ts';
import type { MemoryStore, NewObject, Stored, StoreEvent } from '../../store/index.ts';
import { type ManagerDirectory, managersForAgents } from './directory.ts';
import type { DispatcherLink, SessionAcceptor } from './link.ts';
import { type NodePhase, NodeTracker, type Session } from './nodes.ts';
import {
  type AgentMessage,
  type DispatcherMessage,
  type LogsCancel,
  type LogsPublish,
  type LogsSubscribe,
  type ManagerPeer,
  NODE_MESSAGES,
  NOT_LEADER,
  NOT_MEMBER,
  type OpenSession,
  type RootCaUpdate,
  SESSION_DEFAULTS,
  type SessionErrorCode,
  type StatusReport,
  sessionInvalid,
  type WireMesh,
} from './protocol.ts';
import { AssignmentStreams } from './streams.ts';
import { UpdateQueue } from './updates.ts';

export interface DispatcherOptions {
  store: MemoryStore;
  clock: Clock;
  rng: Rng;
  /** This manager. */
  self: ManagerPeer;
  directory: ManagerDirectory;
  logger?: Logger;
  /** A node id the store does not know: create the node (default), or refuse it. */
  unknownNodes?: 'create' | 'refuse';
  graceMultiplier?: number;
  heartbeatEpsilonMs?: number;
  /** Status and node writes are batched this long (default 100 ms)... */
  batchIntervalMs?: number;
  /** ...or written at once past this many (default 10,000). */
  maxBatchItems?: number;
  /** Assignment changes of a node wait this long to be sent together (default 50 ms)... */
  assignmentDelayMs?: number;
  /** ...or are sent at once past this many (default 1,000). */
  maxAssignmentChanges?: number;
}

interface LinkState {
  link: DispatcherLink;
  session: Session | undefined;
  opening: boolean;
}

/** Everything that lives only while this manager leads. */
interface Running {
  nodes: NodeTracker;
  updates: UpdateQueue;
  streams: AssignmentStreams;
  periodMs: number;
  /** Nodes deleted from the store while leading: their agents are not members. */
  removed: Set<string>;
  stop: Array<() => void>;
}

/** Where the log lines agents publish go (the log broker, src/manager/logbroker/). */
export interface LogSink {
  publish(nodeId: string, m: LogsPublish): void;
  /** The node's session ended: nothing more will come from it on that session. */
  sessionLost(nodeId: string): void;
}

export class Dispatcher implements SessionAcceptor {
  private run: Running | undefined;
  private logSink: LogSink | undefined;
  private mesh: WireMesh | undefined;
  private readonly links = new Map<DispatcherLink, LinkState>();
  private readonly log: Logger;

  constructor(private readonly opts: DispatcherOptions) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'dispatcher', manager: opts.self.nodeId });
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  /** What the dispatcher holds now (tests, metrics). */
  stats() {
    const r = this.run;
    return {
      links: this.links.size,
      phases: r?.nodes.counts() ?? { connected: 0, disconnected: 0, unknown: 0 },
      streams: r?.streams.size ?? 0,
      pendingWrites: r?.updates.pending ?? 0,
      writes: r ? { ...r.updates.stats } : undefined,
      assignments: r ? { ...r.streams.stats } : undefined,
    };
  }

  /** The routing mesh's table: sent to every node now, and to each node whose session opens. */
  setMesh(mesh: WireMesh | undefined): void {
    this.mesh = mesh;
    const run = this.run;
    if (!run || !mesh) return;
    for (const s of run.nodes.sessions()) if (s.accepted) s.link.send({ kind: 'mesh', mesh });
  }

  setLogSink(sink: LogSink | undefined): void {
    this.logSink = sink;
  }

  /**
   * Sends a log subscription message to a node's agent over its current session; false
   * when the node has no open session here (it is down, or this manager does not lead).
   */
  sendToNode(nodeId: string, m: LogsSubscribe | LogsCancel): boolean {
    const s = this.run?.nodes.session(nodeId);
    if (!s?.accepted) return false;
    return s.link.send(m);
  }

  accept(link: DispatcherLink): void {
    const ls: LinkState = { link, session: undefined, opening: false };
    this.links.set(link, ls);
    link.attach({
      onMessage: (m) => this.onMessage(ls, m),
      onClose: (reason) => this.onLinkClosed(ls, reason),
    });
  }

  /** This manager became the leader: serve sessions. */
  start(): void {
    if (this.run) return;
    const { clock, rng, store } = this.opts;
    const run: Running = {
      periodMs: SESSION_DEFAULTS.heartbeatPeriodMs,
      removed: new Set(),
      stop: [],
      nodes: new NodeTracker({
        clock,
        rng,
        periodMs: () => run.periodMs,
        epsilonMs: this.opts.heartbeatEpsilonMs ?? SESSION_DEFAULTS.heartbeatEpsilonMs,
        graceMultiplier: this.opts.graceMultiplier ?? SESSION_DEFAULTS.graceMultiplier,
        expired: (id, phase, session) => this.expired(run, id, phase, session),
      }),
      updates: new UpdateQueue({
        store,
        clock,
        logger: this.log,
        intervalMs: this.opts.batchIntervalMs ?? 100,
        maxItems: this.opts.maxBatchItems ?? 10_000,
      }),
      streams: new AssignmentStreams({
        clock,
        delayMs: this.opts.assignmentDelayMs ?? 50,
        maxChanges: this.opts.maxAssignmentChanges ?? 1_000,
        send: (nodeId, msg) => run.nodes.session(nodeId)?.link.send(msg),
      }),
    };
    this.run = run;
    const { result: nodeIds, unsubscribe } = store.viewAndSubscribe(
      (tx) => {
        run.periodMs = periodOf(tx.clusters.current());
        return tx.nodes.all().flatMap((n) => (n.Status.State === 'down' ? [] : [n.ID]));
      },
      (events) => this.onStoreEvents(run, events),
      { tables: ['tasks', 'nodes', 'clusters'] },
    );
    run.stop.push(
      unsubscribe,
      this.opts.directory.subscribe(() => this.managersChanged(run)),
    );
    // A new leader gives every node one grace to find it before marking any down.
    for (const id of nodeIds) run.nodes.watchUnknown(id);
    this.log.info({ nodes: nodeIds.length, periodMs: run.periodMs }, 'dispatcher started');
  }

  /** This manager is no longer the leader: every session ends, agents go to the new one. */
  stop(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    for (const f of run.stop) f();
    run.updates.stop();
    run.streams.clear();
    for (const s of [...run.nodes.sessions()]) this.logSink?.sessionLost(s.nodeId);
    run.nodes.clear();
    for (const ls of [...this.links.values()]) this.refuse(ls, 'not_leader', NOT_LEADER);
    this.log.info({}, 'dispatcher stopped');
  }

  /** Stops and closes every link (the manager is shutting down). */
  dispose(): void {
    this.stop();
    for (const ls of [...this.links.values()]) this.drop(ls);
  }

  // ---- messages from agents ----

  private onMessage(ls: LinkState, m: AgentMessage): void {
    const run = this.run;
    if (!run) {
      this.refuse(ls, 'not_leader', NOT_LEADER);
      return;
    }
    if (m.kind === 'open') {
      if (ls.session || ls.opening) {
        this.refuse(ls, 'session_invalid', sessionInvalid('already open'));
        return;
      }
      this.open(run, ls, m);
      return;
    }
    const s = ls.session;
    if (!s?.accepted || s.id !== m.sessionId || !run.nodes.isCurrent(s)) {
      this.refuse(ls, 'session_invalid', sessionInvalid('unknown session'));
      return;
    }
    switch (m.kind) {
      case 'heartbeat':
        ls.link.send({ kind: 'heartbeat', periodMs: run.nodes.beat(s) });
        return;
      case 'status':
        this.status(run, s, m);
        return;
      case 'logs':
        this.logSink?.publish(s.nodeId, m);
        return;
      case 'mesh-problems': {
        const cur = this.opts.store.view((tx) => tx.nodes.get(s.nodeId));
        if (!cur) return;
        // "8080/tcp of service <id>: ..." names the service too: "of service web (<id>)".
        const named = m.problems.map((p) =>
          p.replace(/ of service (\w+):/, (_all, id: string) => {
            const name = this.opts.store.view((tx) => tx.services.get(id)?.Spec.Name);
            return ` of service ${name ?? id} (${id}):`;
          }),
        );
        const Message = named.length > 0 ? `routing mesh: ${named.join('; ')}` : '';
        if ((cur.Status.Message ?? '') === Message) return;
        this.log.warn({ node: s.nodeId, problems: m.problems }, 'node reports routing mesh problems');
        run.updates.node(s.nodeId, { status: { ...cur.Status, Message } });
        return;
      }
      case 'tls-info': {
        const cur = this.opts.store.view((tx) => tx.nodes.get(s.nodeId));
        if (!cur?.Description) return;
        run.updates.node(s.nodeId, { description: { ...cur.Description, TLSInfo: m.tlsInfo } });
        return;
      }
      case 'close':
        this.log.info({ node: s.nodeId }, 'agent closed its session');
        this.lost(run, ls, s);
        this.drop(ls);
        return;
    }
  }

  private open(run: Running, ls: LinkState, m: OpenSession): void {
    const proven = ls.link.remote.nodeId;
    if (proven !== undefined && proven !== m.nodeId) {
      this.refuse(ls, 'session_invalid', sessionInvalid('node id does not match the link'));
      return;
    }
    const nodeId = proven ?? m.nodeId;
    const exists = this.opts.store.view((tx) => tx.nodes.has(nodeId));
    if (!nodeId || (!exists && (run.removed.has(nodeId) || this.opts.unknownNodes === 'refuse'))) {
      this.refuse(ls, 'not_member', NOT_MEMBER);
      return;
    }
    const { session, replaced } = run.nodes.open(nodeId, ls.link, m.sessionId);
    ls.session = session;
    ls.opening = true;
    if (replaced) {
      run.streams.detach(nodeId);
      const old = this.links.get(replaced.link);
      if (old) this.refuse(old, 'session_invalid', sessionInvalid('replaced by a newer session'));
    }
    const create: NewObject<Node> | undefined = exists
      ? undefined
      : {
          ID: nodeId,
          Spec: { Role: 'worker', Availability: m.availability ?? 'active' },
          Status: { State: 'ready' },
        };
    run.updates.node(
      nodeId,
      { status: { State: 'ready', Addr: ls.link.remote.addr }, description: m.description, create },
      (ok) => this.opened(run, ls, session, ok),
    );
  }

  /** The node is written READY: accept the session and send its COMPLETE set. */
  private opened(run: Running, ls: LinkState, session: Session, ok: boolean): void {
    ls.opening = false;
    if (this.run !== run || ls.session !== session || !run.nodes.isCurrent(session)) return;
    if (!ok) {
      this.lost(run, ls, session);
      this.refuse(ls, 'unavailable', 'could not record the node; try again');
      return;
    }
    let node: Node | undefined;
    const complete = this.opts.store.view((tx) => {
      node = tx.nodes.get(session.nodeId) as Node | undefined;
      return node ? run.streams.attach(session.nodeId, tx) : undefined;
    });
    if (!node || !complete) {
      run.nodes.forget(session.nodeId);
      this.refuse(ls, 'not_member', NOT_MEMBER);
      return;
    }
    session.accepted = true;
    ls.link.send({
      kind: 'accepted',
      sessionId: session.id,
      heartbeatPeriodMs: run.periodMs,
      managers: managersForAgents(this.opts.directory),
      node,
    });
    ls.link.send(complete);
    if (this.mesh) ls.link.send({ kind: 'mesh', mesh: this.mesh });
    const root = this.opts.store.view((tx) => rootCaMessage(tx.clusters.current()));
    if (root) ls.link.send(root);
    this.log.debug({ node: session.nodeId, session: session.id }, 'session accepted');
  }

  private status(run: Running, s: Session, m: StatusReport): void {
    this.opts.store.view((tx) => {
      for (const u of m.updates) {
        const t = tx.tasks.get(u.taskId);
        // A task deleted, or moved to another node, is no longer this agent's to report.
        if (t && t.NodeID === s.nodeId) run.updates.task(s.nodeId, u.taskId, u.status);
      }
    });
  }

  private onLinkClosed(ls: LinkState, reason: string): void {
    this.links.delete(ls.link);
    const run = this.run;
    const s = ls.session;
    if (!run || !s || !run.nodes.isCurrent(s)) return;
    this.log.info({ node: s.nodeId, reason }, 'session link broken');
    this.lost(run, ls, s);
  }

  /** The node's session ended without a verdict: DISCONNECTED, one grace to come back. */
  private lost(run: Running, ls: LinkState, s: Session): void {
    ls.session = undefined;
    if (!run.nodes.isCurrent(s)) return;
    this.logSink?.sessionLost(s.nodeId);
    run.nodes.disconnected(s);
    run.streams.detach(s.nodeId);
    run.updates.node(s.nodeId, { status: { State: 'disconnected', Message: NODE_MESSAGES.disconnected } });
  }

  private expired(run: Running, nodeId: string, phase: NodePhase, s: Session | undefined): void {
    const Message =
      phase === 'connected'
        ? NODE_MESSAGES.heartbeatFailure
        : phase === 'disconnected'
          ? NODE_MESSAGES.disconnectedExpired
          : NODE_MESSAGES.unknownExpired;
    this.log.info({ node: nodeId, phase }, 'node down: heartbeat failure');
    run.updates.node(nodeId, { status: { State: 'down', Message } });
    if (!s) return;
    this.logSink?.sessionLost(nodeId);
    run.streams.detach(nodeId);
    const ls = this.links.get(s.link);
    if (ls) this.refuse(ls, 'session_invalid', sessionInvalid(NODE_MESSAGES.heartbeatFailure));
  }

  // ---- store and directory ----

  private onStoreEvents(run: Running, events: StoreEvent[]): void {
    this.opts.store.view((tx) => run.streams.onEvents(tx, events));
    for (const e of events) {
      if (e.table === 'clusters' && e.kind !== 'delete' && e.object.Spec.Name === DEFAULT_CLUSTER_NAME) {
        run.periodMs = periodOf(e.object);
        const root = rootCaMessage(e.object);
        const before =
          e.kind === 'update' && e.old ? rootCaMessage(e.old as DeepReadonly<Cluster>) : undefined;
        if (root && (root.root !== before?.root || root.next !== before?.next)) {
          // A root rotation started or finished: every node learns the roots to trust.
          for (const sess of run.nodes.sessions()) if (sess.accepted) sess.link.send(root);
        }
      }
      if (e.table === 'nodes' && e.kind === 'update' && e.old && !sameRole(e.old, e.object)) {
        // The node's spec or manager status changed (promote/demote, availability, labels):
        // tell its agent, which starts or stops its manager role accordingly.
        const s = run.nodes.session(e.object.ID);
        if (s?.accepted) s.link.send({ kind: 'node', node: e.object });
      }
      if (e.table !== 'nodes' || e.kind !== 'delete') continue;
      run.removed.add(e.object.ID);
      const s = run.nodes.forget(e.object.ID);
      run.streams.detach(e.object.ID);
      const ls = s && this.links.get(s.link);
      if (ls) this.refuse(ls, 'not_member', NOT_MEMBER);
    }
  }

  private managersChanged(run: Running): void {
    const managers = managersForAgents(this.opts.directory);
    for (const s of run.nodes.sessions()) if (s.accepted) s.link.send({ kind: 'managers', managers });
  }

  // ---- ending links ----

  /** Answers with an error, then closes the link (its session, if any, is over). */
  private refuse(ls: LinkState, code: SessionErrorCode, message: string): void {
    const err: DispatcherMessage = { kind: 'error', code, message };
    if (code === 'not_leader') {
      const leader = this.opts.directory.leader();
      if (leader && leader.nodeId !== this.opts.self.nodeId) err.leader = leader;
    }
    ls.link.send(err);
    this.drop(ls);
  }

  private drop(ls: LinkState): void {
    ls.session = undefined;
    this.links.delete(ls.link);
    ls.link.close();
  }
}

/** The cluster's heartbeat period in ms (Spec.Dispatcher.HeartbeatPeriod, default 5 s). */
/** The root-ca message for a cluster (undefined before its CA exists). */
function rootCaMessage(c: DeepReadonly<Cluster> | undefined): RootCaUpdate | undefined {
  const ca = c?.RootCA;
  if (!ca) return undefined;
  const next = ca.RootRotation?.CACert;
  return next ? { kind: 'root-ca', root: ca.CACert, next } : { kind: 'root-ca', root: ca.CACert };
}

function periodOf(c: Stored<Cluster> | undefined): number {
  const ns = c?.Spec.Dispatcher?.HeartbeatPeriod;
  return ns && ns > 0 ? ns / NS_PER_MS : SESSION_DEFAULTS.heartbeatPeriodMs;
}

function sameRole(a: DeepReadonly<Node>, b: DeepReadonly<Node>): boolean {
  return (
    JSON.stringify(a.Spec) === JSON.stringify(b.Spec) &&
    (a.ManagerStatus === undefined) === (b.ManagerStatus === undefined)
  );
}
