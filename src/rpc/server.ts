/**
 * ClusterRpcServer: the ONE gRPC server of a manager, on its cluster address (host:2377),
 * hosting every cluster service behind one TLS listener and one gate.
 *
 *                     TLS: our identity (renewable), client certificate requested,
 *                     verified if given (another CA, expired: connection dropped)
 *                                    │
 *                     gate: no certificate ─▶ CA only; else authorize(peer, service)
 *        ┌──────────────┬────────────┼──────────────┬──────────────┐
 *        ▼              ▼            ▼              ▼              ▼
 *   CA, NodeCA     Dispatcher    Raft            Control        Logs
 *   (join,         (sessions)    (raftService)   (forwarding)   (subscriptions)
 *   renewal)
 *   CaBackend      SessionAcceptor  transport    leader's       LogsBackend
 *                                   handler      ControlApi
 *
 * Services are optional: one not given answers UNIMPLEMENTED. close() ends the long-lived
 * calls (sessions, subscriptions, Raft streams) with UNAVAILABLE, lets the rest finish,
 * and destroys whatever connection is still open after `shutdownGraceMs`.
 */
import * as grpc from '@grpc/grpc-js';
import { type Clock, realClock } from '../base/clock.ts';
import { ShoalError } from '../base/errors.ts';
import { type Logger, nullLogger } from '../base/logger.ts';
import { CAService, NodeCAService } from '../gen/shoal/ca/v1/ca.ts';
import { ControlService } from '../gen/shoal/control/v1/control.ts';
import { DispatcherService } from '../gen/shoal/dispatcher/v1/dispatcher.ts';
import { LogsService } from '../gen/shoal/logs/v1/logs.ts';
import { RaftService } from '../gen/shoal/raft/v1/raft.ts';
import type { Control } from '../manager/controlapi/control-api.ts';
import type { SessionAcceptor } from '../manager/dispatcher/link.ts';
import type { RaftServiceImpl } from '../raft/transport/service.ts';
import type { Authorize, RpcService } from './authz.ts';
import { type CaBackend, caServices } from './ca-service.ts';
import { controlService } from './control-service.ts';
import { guard } from './gate.ts';
import type { LogsBackend } from './logs.ts';
import { logsService } from './logs-service.ts';
import { type RpcTuning, serverOptions, tuning } from './options.ts';
import { ServerSockets } from './server-sockets.ts';
import { sessionService } from './session-server.ts';
import { serverCredentials, type TlsProvider } from './tls.ts';

export interface ClusterRpcServerOptions {
  /** host:port to listen on; port 0 picks a free one (see address()). */
  listen: string;
  tls: TlsProvider;
  /** Decides every call that passed TLS (see authz.ts); the daemon's uses the CA library. */
  authorize: Authorize;
  logger?: Logger;
  clock?: Clock;
  tuning?: Partial<RpcTuning>;
  /** The Raft service (managers), built by raftService() with this manager's handler. */
  raft?: RaftServiceImpl;
  ca?: CaBackend;
  /** Where sessions go (the Dispatcher, which redirects when not leading). */
  dispatcher?: SessionAcceptor;
  /** The leader's ControlApi while this manager leads, undefined otherwise. */
  control?: () => Control | undefined;
  logs?: LogsBackend;
  /** close() destroys connections still open after this long (default 2 s). */
  shutdownGraceMs?: number;
}

interface Hosted {
  endCalls(): void;
  readonly open?: number;
}

export class ClusterRpcServer {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly server: grpc.Server;
  private readonly sockets: ServerSockets;
  private readonly hosted = new Map<RpcService, Hosted>();
  private readonly refused = new Map<string, number>();
  private bound: string | undefined;
  private state: 'new' | 'starting' | 'serving' | 'closed' = 'new';

  constructor(private readonly opts: ClusterRpcServerOptions) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'cluster-rpc' });
    this.clock = opts.clock ?? realClock;
    this.server = new grpc.Server(serverOptions(tuning(opts.tuning)));
    this.sockets = new ServerSockets(this.log);
    this.mount();
  }

  /** Binds the listener; rejects (ShoalError 'unavailable') if the address is taken. */
  async start(): Promise<void> {
    if (this.state !== 'new')
      throw new ShoalError('failed_precondition', `cluster RPC server is ${this.state}`);
    this.state = 'starting';
    const { listen } = this.opts;
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(listen, serverCredentials(this.opts.tls), (err, p) =>
        err === null ? resolve(p) : reject(err),
      );
    }).catch((e: unknown) => {
      this.state = 'closed';
      this.server.forceShutdown();
      throw new ShoalError('unavailable', `cluster RPC cannot listen on ${listen}: ${(e as Error).message}`, {
        cause: e,
      });
    });
    if (!this.sockets.attach(this.server)) {
      this.log.error(
        {},
        'cannot see TLS connections (grpc-js changed?): bad client certificates reach the gate',
      );
    }
    this.bound = `${listen.slice(0, listen.lastIndexOf(':'))}:${port}`;
    this.state = 'serving';
    this.log.info({ address: this.bound, services: [...this.hostedNames()] }, 'cluster RPC listening');
  }

  /** The bound address: the host as given in `listen`, the actual port. */
  address(): string {
    if (this.bound === undefined)
      throw new ShoalError('failed_precondition', 'cluster RPC server not started');
    return this.bound;
  }

  stats() {
    return {
      connections: this.sockets.open,
      accepted: this.sockets.stats.accepted,
      refusedAtTls: this.sockets.stats.refusedAtTls,
      refusedCalls: Object.fromEntries(this.refused),
      sessions: this.hosted.get('dispatcher')?.open ?? 0,
      subscriptions: this.hosted.get('logs')?.open ?? 0,
    };
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasServing = this.state !== 'new';
    this.state = 'closed';
    for (const h of this.hosted.values()) h.endCalls();
    if (!wasServing) return;
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.log.warn({ open: this.sockets.open }, 'connections still open at shutdown; destroying them');
        this.server.forceShutdown();
        this.sockets.destroyAll();
        resolve();
      }, this.opts.shutdownGraceMs ?? 2_000);
      this.server.tryShutdown(() => {
        timer.cancel();
        this.sockets.destroyAll();
        resolve();
      });
    });
    this.log.info({}, 'cluster RPC closed');
  }

  private *hostedNames(): Iterable<string> {
    const o = this.opts;
    if (o.ca) yield 'ca';
    if (o.dispatcher) yield 'dispatcher';
    if (o.raft) yield 'raft';
    if (o.control) yield 'control';
    if (o.logs) yield 'logs';
  }

  private mount(): void {
    const o = this.opts;
    const deps = {
      authorize: o.authorize,
      logger: this.log,
      refused: (s: grpc.status) => {
        const k = grpc.status[s] ?? String(s);
        this.refused.set(k, (this.refused.get(k) ?? 0) + 1);
      },
    };
    const add = <T extends grpc.UntypedServiceImplementation>(
      def: grpc.ServiceDefinition,
      impl: T,
      service: RpcService,
    ): void => this.server.addService(def, guard(def, impl, service, deps));
    if (o.ca) {
      const s = caServices(o.ca, this.log);
      add(CAService, s.ca, 'ca');
      add(NodeCAService, s.nodeCa, 'ca');
    }
    if (o.dispatcher) {
      const s = sessionService(o.dispatcher, this.log);
      add(DispatcherService, s.impl, 'dispatcher');
      this.hosted.set('dispatcher', s);
    }
    if (o.raft) {
      add(RaftService, o.raft.impl, 'raft');
      this.hosted.set('raft', o.raft);
    }
    if (o.control) add(ControlService, controlService(o.control, this.log), 'control');
    if (o.logs) {
      const s = logsService(o.logs, this.log);
      add(LogsService, s.impl, 'logs');
      this.hosted.set('logs', s);
    }
  }
}
