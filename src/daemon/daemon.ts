/**
 * `shoal daemon`: one node. It serves the Engine-compatible API on its sockets and holds
 * the node's place in a swarm (SwarmController): an agent running this node's tasks, and
 * the manager role while the node is a manager. Its data directory holds its identity,
 * keys, certificates and Raft state, so a restarted daemon comes back as the same node.
 *
 *   docker / shoal CLI ──unix socket──► API server ──► Daemon (Backend)
 *                                                         ├─ SwarmController ─► agent, manager role
 *                                                         └─ EventLog ◄── manager store events
 */
import { existsSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../base/clock.ts';
import { realClock } from '../base/clock.ts';
import { ShoalError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import { type Rng, systemRng } from '../base/rng.ts';
import { SHOAL_VERSION } from '../cli/version.ts';
import type { Executor } from '../executor/executor.ts';
import type {
  Backend,
  EngineInfo,
  EngineVersion,
  EventMessage,
  EventSubscription,
  LogMessage,
  LogsRequest,
} from '../http/backend.ts';
import { EventLog } from '../http/event-log.ts';
import { type ApiServer, createApiServer } from '../http/server.ts';
import type { Control } from '../manager/controlapi/index.ts';
import type { MeshMode } from './mesh.ts';
import { SwarmController } from './swarm.ts';

export interface DaemonOptions {
  dataDir: string;
  /** API endpoints: unix:///path or tcp://host:port (default unix://<data dir>/shoal.sock). */
  hosts?: string[];
  listenAddr?: string;
  advertiseAddr?: string;
  executor: (node: { nodeId: string }) => Executor;
  /** The routing mesh (`--mesh`, `--mesh-addr`). */
  mesh?: { mode: MeshMode; addresses?: readonly string[] };
  logger: Logger;
  clock?: Clock;
  rng?: Rng;
  tickMs?: number;
}

export class Daemon implements Backend {
  readonly swarm: SwarmController;
  private readonly eventLog = new EventLog();
  private readonly api: ApiServer;
  private unfollow: (() => void) | undefined;
  private readonly clock: Clock;
  readonly endpoints: string[] = [];

  constructor(private readonly opts: DaemonOptions) {
    this.clock = opts.clock ?? realClock;
    this.swarm = new SwarmController({
      dataDir: opts.dataDir,
      listenAddr: opts.listenAddr ?? '0.0.0.0:2377',
      ...(opts.advertiseAddr !== undefined && { advertiseAddr: opts.advertiseAddr }),
      executor: opts.executor,
      ...(opts.mesh && { mesh: opts.mesh }),
      clock: this.clock,
      rng: opts.rng ?? systemRng(),
      logger: opts.logger,
      ...(opts.tickMs !== undefined && { tickMs: opts.tickMs }),
      onStore: (store) => {
        this.unfollow?.();
        this.unfollow = store ? this.eventLog.followStore(store, this.clock) : undefined;
      },
    });
    this.api = createApiServer({ backend: this, logger: opts.logger, clock: this.clock });
  }

  async start(): Promise<void> {
    for (const h of this.opts.hosts ?? [`unix://${join(this.opts.dataDir, 'shoal.sock')}`]) {
      if (h.startsWith('unix://')) await removeStaleSocket(h.slice('unix://'.length));
      this.endpoints.push(await this.api.listen(h));
    }
    this.opts.logger.info({ endpoints: this.endpoints, dataDir: this.opts.dataDir }, 'API listening');
    try {
      await this.swarm.resume();
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message }, 'could not resume the swarm');
    }
  }

  async stop(): Promise<void> {
    this.unfollow?.();
    await this.swarm.stop();
    await this.api.close();
  }

  // ---- Backend -----------------------------------------------------------------------

  control(): Control | undefined {
    return this.swarm.control();
  }

  systemInfo(): EngineInfo {
    return {
      ID: this.swarm.info().NodeID,
      Name: hostname(),
      ServerVersion: SHOAL_VERSION,
      OperatingSystem: `Shoal ${SHOAL_VERSION} (Node.js ${process.version})`,
      OSVersion: release(),
      KernelVersion: release(),
      Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
      NCPU: cpus().length,
      MemTotal: totalmem(),
      DockerRootDir: this.opts.dataDir,
      Labels: [],
    };
  }

  version(): EngineVersion {
    return { Version: SHOAL_VERSION, Os: 'linux', Arch: process.arch === 'x64' ? 'amd64' : process.arch };
  }

  events(listener: (m: EventMessage) => void): EventSubscription {
    return this.eventLog.subscribe(listener);
  }

  async *logs(req: LogsRequest, signal: AbortSignal): AsyncIterable<LogMessage> {
    const streams: Array<'stdout' | 'stderr'> = [];
    if (req.stdout) streams.push('stdout');
    if (req.stderr) streams.push('stderr');
    // The response has started when this runs: a failure becomes Docker's
    // "Error grabbing logs: ..." line rather than an error status.
    try {
      yield* this.logRecords(req, streams, signal);
    } catch (e) {
      if (signal.aborted) return;
      yield {
        time: Date.now(),
        stream: 'stderr',
        line: '',
        context: { nodeId: '', serviceId: '', taskId: '' },
        err: (e as Error).message,
      };
    }
  }

  private async *logRecords(
    req: LogsRequest,
    streams: Array<'stdout' | 'stderr'>,
    signal: AbortSignal,
  ): AsyncIterable<LogMessage> {
    const batches = this.swarm.logs(
      {
        selector: { serviceIds: req.serviceIds, taskIds: req.taskIds },
        follow: req.follow,
        ...(req.tail !== undefined && { tail: req.tail }),
        ...(req.since !== undefined && { since: req.since }),
        streams,
      },
      signal,
    );
    for await (const batch of batches) {
      for (const r of batch) {
        yield { time: r.timestamp, stream: r.stream, line: r.data, context: r.context };
      }
    }
  }
}

/** A socket file left by a daemon that died: nobody answers on it, so it can go. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new ShoalError('failed_precondition', `another daemon is listening on ${path}`);
  unlinkSync(path);
}
