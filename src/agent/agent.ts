/**
 * Agent: the worker end of a node's session. It finds a manager, keeps one session open
 * with the leader's dispatcher, runs what it is assigned through the Worker, and reports
 * every status change through the Reporter.
 *
 *   start: describe the node, list what the executor already runs (adoption), connect
 *   connect ─ dial the next manager ─ AgentSession ─ accepted ─▶ ready
 *      ▲        refused / timed out          │ ended
 *      │                                     ├ not_leader + leader ─▶ dial the leader now (≤ 3 in a row)
 *      │                                     ├ session_invalid     ─▶ new session now (then backoff)
 *      │                                     ├ not_member          ─▶ rejected: stop trying
 *      └──── backoff (random in [0, b), b = min(100 ms + 2b, 8 s)) ─┴ anything else: next manager
 *
 * Tasks keep running while no session is open; their statuses wait in the Reporter, and
 * every new session re-reports all current statuses. stop() ends the session and releases
 * the runners but leaves the tasks running: a new Agent on the same executor adopts them.
 */
import type { DeepReadonly } from '../api/meta.ts';
import type { Node, NodeAvailability, NodeDescription } from '../api/node.ts';
import type { Clock, Timer } from '../base/clock.ts';
import { type Logger, nullLogger } from '../base/logger.ts';
import type { Rng } from '../base/rng.ts';
import { errorMessage } from '../executor/errors.ts';
import type { Executor } from '../executor/executor.ts';
import type { SessionDialer } from '../manager/dispatcher/link.ts';
import { type RootCaUpdate, SESSION_DEFAULTS, type WireMesh } from '../manager/dispatcher/protocol.ts';
import { LogPublisher } from './logs.ts';
import { ManagerList } from './managers.ts';
import { Reporter } from './reporter.ts';
import { AgentSession, type SessionEnd, type SessionHandlers } from './session.ts';
import { Worker } from './worker.ts';

export interface AgentOptions {
  nodeId: string;
  executor: Executor;
  dialer: SessionDialer;
  /** Manager addresses to start from (the join addresses). */
  managers: readonly string[];
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  /** Status changes wait this long to be sent together (default 50 ms). */
  reportDelayMs?: number;
  /** At most this many statuses per message (default 1,024, swarmkit's). */
  maxReportBatch?: number;
  /** How long to wait for the answer to open or to a heartbeat (default 5 s). */
  rpcTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Passed to each TaskRunner. */
  killAfterMs?: number;
  /** Called with this node's object when a session opens and whenever its spec changes. */
  onNode?: (node: DeepReadonly<Node>) => void;
  /** The routing mesh's table, as the leader sends it (the daemon gives it to its data path). */
  onMesh?: (mesh: WireMesh) => void;
  /** `swarm join --availability`: the availability of the node when the swarm first sees it. */
  availability?: NodeAvailability;
  /** The node's TLS state, sent in the description of every session it opens. */
  tlsInfo?: () => NodeDescription['TLSInfo'];
  /** The swarm's root CA as the leader sends it (and the root being rotated to). */
  onRootCa?: (m: RootCaUpdate) => void;
}

export type AgentState = 'new' | 'connecting' | 'ready' | 'rejected' | 'stopped';

const QUICK_RETRIES = 3;

export class Agent {
  readonly worker: Worker;
  readonly reporter: Reporter;
  readonly managers: ManagerList;
  readonly stats = { dials: 0, sessions: 0, failures: 0, redirects: 0 };
  private current: AgentSession | undefined;
  private status: AgentState = 'new';
  private sessionIdHint: string | undefined;
  private description: NodeDescription | undefined;
  private nodeObject: DeepReadonly<Node> | undefined;
  private timer: Timer | undefined;
  private backoffMs = 0;
  private quick = 0;
  private gen = 0;
  private readonly log: Logger;
  private readonly handlers: SessionHandlers;
  private readonly logs: LogPublisher;

  private meshProblems: readonly string[] = [];

  /** The node's routing mesh problems, reported now and again on every new session. */
  reportMeshProblems(problems: readonly string[]): void {
    this.meshProblems = problems;
    if (this.status === 'ready') this.current?.sendMeshProblems(problems);
  }

  /** The node's TLS state changed (renewal, new root): tell the managers now. */
  reportTlsInfo(): void {
    const info = this.opts.tlsInfo?.();
    if (info && this.status === 'ready') this.current?.sendTlsInfo(info);
  }

  /** Log subscriptions this agent is reading now (the log broker's). */
  get logSubscriptions(): number {
    return this.logs.open;
  }

  constructor(private readonly opts: AgentOptions) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'agent', node: opts.nodeId });
    this.managers = new ManagerList(opts.managers);
    this.reporter = new Reporter({
      clock: opts.clock,
      delayMs: opts.reportDelayMs ?? 50,
      maxBatch: opts.maxReportBatch ?? 1_024,
    });
    const worker = { executor: opts.executor, clock: opts.clock, logger: this.log };
    this.worker = new Worker({
      ...worker,
      report: (id, status) => this.reporter.report(id, status),
      ...(opts.killAfterMs !== undefined ? { killAfterMs: opts.killAfterMs } : {}),
    });
    this.logs = new LogPublisher({
      clock: opts.clock,
      logger: this.log,
      controller: (taskId) => this.worker.runner(taskId)?.controller,
    });
    this.handlers = {
      accepted: (s, m) => {
        if (s !== this.current) return;
        this.status = 'ready';
        this.sessionIdHint = m.sessionId;
        this.backoffMs = 0;
        this.quick = 0;
        this.stats.sessions++;
        this.managers.update(m.managers, s.addr);
        this.nodeChanged(m.node);
        this.reporter.connect((u) => s.sendStatus(u));
        for (const u of this.worker.statuses()) this.reporter.report(u.taskId, u.status);
        if (this.meshProblems.length > 0) s.sendMeshProblems(this.meshProblems);
      },
      assignments: (s, m) => {
        if (s === this.current) this.worker.apply(m);
      },
      managers: (s, list) => {
        if (s === this.current) this.managers.update(list, s.addr);
      },
      node: (s, node) => {
        if (s === this.current) this.nodeChanged(node);
      },
      logsSubscribe: (s, m) => {
        if (s === this.current) this.logs.subscribe(m, (id, lines, end) => s.sendLogs(id, lines, end));
      },
      mesh: (s, mesh) => {
        if (s === this.current) this.opts.onMesh?.(mesh);
      },
      rootCa: (s, m) => {
        if (s === this.current) this.opts.onRootCa?.(m);
      },
      logsCancel: (s, subId) => {
        if (s === this.current) this.logs.cancel(subId);
      },
      ended: (s, why) => this.ended(s, why),
    };
  }

  /** This node as the managers last described it (role, availability, labels). */
  get node(): DeepReadonly<Node> | undefined {
    return this.nodeObject;
  }

  private nodeChanged(node: DeepReadonly<Node>): void {
    this.nodeObject = node;
    this.opts.onNode?.(node);
  }

  get state(): AgentState {
    return this.status;
  }

  get sessionId(): string | undefined {
    return this.current?.sessionId;
  }

  /** The manager the open session is with. */
  get manager(): string | undefined {
    return this.status === 'ready' ? this.current?.addr : undefined;
  }

  async start(): Promise<void> {
    if (this.status !== 'new') return;
    this.status = 'connecting';
    const { executor } = this.opts;
    try {
      this.description = await executor.describe();
      if (executor.list) this.worker.adopt(await executor.list());
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, 'agent: the executor failed at start');
    }
    if (this.status === 'connecting') this.connect();
  }

  /** Ends the session and releases the runners; the tasks keep running. */
  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    this.gen++;
    this.timer?.cancel();
    this.timer = undefined;
    this.current?.close();
    this.current = undefined;
    this.logs.cancelAll();
    this.reporter.dispose();
    this.worker.dispose();
  }

  private connect(): void {
    this.timer = undefined;
    if (this.status === 'stopped' || this.status === 'rejected') return;
    this.status = 'connecting';
    const addr = this.managers.next();
    const gen = ++this.gen;
    this.stats.dials++;
    this.opts.dialer.dial(addr).then(
      (r) => {
        if (gen !== this.gen) {
          if (r.ok) r.link.close();
          return;
        }
        if (!r.ok) {
          this.retry(addr, r.error.message, false);
          return;
        }
        this.current = new AgentSession({
          link: r.link,
          addr,
          nodeId: this.opts.nodeId,
          description: this.describe(),
          ...(this.opts.availability !== undefined && { availability: this.opts.availability }),
          ...(this.sessionIdHint !== undefined ? { sessionId: this.sessionIdHint } : {}),
          clock: this.opts.clock,
          rpcTimeoutMs: this.opts.rpcTimeoutMs ?? SESSION_DEFAULTS.rpcTimeoutMs,
          logger: this.log,
          handlers: this.handlers,
        });
      },
      (e: unknown) => this.retry(addr, errorMessage(e), false),
    );
  }

  private describe(): NodeDescription {
    const d = this.description ?? fallbackDescription(this.opts.nodeId);
    const tls = this.opts.tlsInfo?.();
    return tls ? { ...d, TLSInfo: tls } : d;
  }

  private ended(s: AgentSession, why: SessionEnd): void {
    if (s !== this.current) return;
    this.current = undefined;
    this.reporter.disconnect();
    this.logs.cancelAll();
    if (this.status === 'stopped') return;
    this.status = 'connecting';
    if (why.kind === 'broken') {
      this.retry(s.addr, why.reason, false);
      return;
    }
    switch (why.code) {
      case 'not_member':
        this.status = 'rejected';
        this.log.error({ manager: s.addr }, `agent: ${why.message}`);
        return;
      case 'not_leader':
        if (why.leader) {
          this.stats.redirects++;
          this.managers.redirect(why.leader);
        }
        this.retry(s.addr, why.message, why.leader !== undefined);
        return;
      case 'session_invalid':
        this.sessionIdHint = undefined;
        this.retry(s.addr, why.message, true, false);
        return;
      case 'unavailable':
        this.retry(s.addr, why.message, false);
        return;
    }
  }

  /**
   * Tries again: at once for the first few quick retries (a redirect, a new session),
   * otherwise after a random backoff, on the next manager when `failover`.
   */
  private retry(addr: string, reason: string, quick: boolean, failover = !quick): void {
    if (this.status === 'stopped' || this.status === 'rejected') return;
    this.status = 'connecting';
    this.stats.failures++;
    if (failover) this.managers.failed(addr);
    let delay = 0;
    if (!quick || ++this.quick > QUICK_RETRIES) {
      const { initialMs = 100, maxMs = 8_000 } = this.opts.backoff ?? {};
      this.backoffMs = Math.min(initialMs + 2 * this.backoffMs, maxMs);
      delay = this.opts.rng.next() * this.backoffMs;
    }
    this.log.debug({ manager: addr, reason, delay }, 'agent: no session; retrying');
    this.timer = this.opts.clock.setTimeout(() => this.connect(), delay);
  }
}

/** Only used when describe() failed: the dispatcher still needs something. */
function fallbackDescription(nodeId: string): NodeDescription {
  return {
    Hostname: nodeId,
    Platform: { OS: 'linux', Architecture: 'unknown' },
    Resources: { NanoCPUs: 0, MemoryBytes: 0 },
    Engine: {},
  };
}
