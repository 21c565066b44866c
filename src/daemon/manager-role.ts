/**
 * The manager role of a daemon: Raft data on disk (encrypted with the node's DEK), the
 * Raft transport and the Manager (store, control API, orchestrators, dispatcher...), and
 * the cluster RPC server on the listen address hosting Raft, CA, sessions, control
 * forwarding and logs. Started at `swarm init`, at a join with a manager token, on
 * promotion, and on restart; stopped on demotion, leave and shutdown.
 *
 *   peers ──mTLS──► ClusterRpcServer ──► Raft (GrpcTransport's service) ──► Manager
 *                                    ──► CA (StoreCaBackend)
 *                                    ──► Dispatcher sessions
 *                                    ──► Control (leader only; followers forward)
 */
import { join } from 'node:path';
import type { Clock } from '../base/clock.ts';
import { ShoalError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import type { Rng } from '../base/rng.ts';
import { authorize, trustedRoots, verifyPeer } from '../ca/index.ts';
import type { DekCipher } from '../crypt/index.ts';
import { LogBroker } from '../manager/logbroker/broker.ts';
import { Manager } from '../manager/manager.ts';
import type { InitialCluster } from '../manager/role/cluster-init.ts';
import { nodeIdOfMember } from '../manager/role/raft-ids.ts';
import { bootstrapEntries } from '../raft/core/bootstrap.ts';
import { forceNewCluster } from '../raft/force-new-cluster.ts';
import { FileStorage } from '../raft/storage/file.ts';
import { GrpcTransport } from '../raft/transport/grpc.ts';
import { ClusterRpcServer, type LogsBackend } from '../rpc/index.ts';
import { StoreCaBackend } from './ca-backend.ts';
import type { NodeIdentity } from './identity.ts';

export interface ManagerRoleOptions {
  dataDir: string;
  nodeId: string;
  raftId: string;
  listenAddr: string;
  advertiseAddr: string;
  identity: NodeIdentity;
  cipher: DekCipher;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** A new swarm: the Raft log starts with this member alone, and the Cluster object with this. */
  bootstrap?: InitialCluster;
  /** `--force-new-cluster`: rewrite the Raft log so this member alone is the cluster. */
  forceNewCluster?: boolean;
  logs?: LogsBackend;
  /** Tick length (ms); tests use shorter ones. */
  tickMs?: number;
}

export class ManagerRole {
  private constructor(
    readonly manager: Manager,
    readonly rpc: ClusterRpcServer,
    private readonly transport: GrpcTransport,
    private readonly unsubscribe: () => void,
    /** Task logs from the agents; answers only while this manager leads (its dispatcher). */
    readonly logs: LogBroker,
  ) {}

  static raftDir(dataDir: string): string {
    return join(dataDir, 'raft');
  }

  static async start(o: ManagerRoleOptions): Promise<ManagerRole> {
    const log = o.logger.child({ role: 'manager' });
    const storage = FileStorage.open(ManagerRole.raftDir(o.dataDir), { cipher: o.cipher, logger: log });
    if (o.bootstrap && storage.lastIndex() === 0) {
      const boot = bootstrapEntries([{ id: o.raftId, context: new TextEncoder().encode(o.advertiseAddr) }]);
      await storage.save(boot.hardState, boot.entries);
    }
    if (o.forceNewCluster) {
      const forced = await forceNewCluster(storage, o.raftId);
      log.warn({ removed: forced.removed, commit: forced.commit }, 'forced a new cluster from this manager');
    }
    const clusterId = o.identity.clusterId;
    const transport = new GrpcTransport({
      id: o.raftId,
      listen: null,
      tls: o.identity.tls(),
      cnOf: nodeIdOfMember,
      authorizePeer: (p) =>
        p.ou.includes('swarm-manager') && p.o.includes(clusterId)
          ? null
          : `${p.cn} is not a manager of this swarm`,
      logger: log,
    });
    const manager = new Manager({
      nodeId: o.nodeId,
      raftId: o.raftId,
      address: o.advertiseAddr,
      storage,
      transport,
      clock: o.clock,
      rng: o.rng.fork(),
      logger: log,
      ...(o.tickMs !== undefined && { tickMs: o.tickMs }),
      ...(o.bootstrap && { initialCluster: o.bootstrap }),
    });
    await manager.start();
    // A new one-member swarm need not wait out an election timeout: it is alone.
    if (o.bootstrap || o.forceNewCluster) manager.raft.campaign();
    const store = manager.store;
    const broker = new LogBroker({ store, dispatcher: manager.dispatcher, logger: log });
    const logs: LogsBackend = {
      subscribe: (sub, signal) => {
        if (!manager.isLeader) throw new ShoalError('unavailable', 'this manager is not the leader');
        return broker.subscribe(sub, signal);
      },
    };
    const rpc = new ClusterRpcServer({
      listen: o.listenAddr,
      tls: o.identity.provider,
      clock: o.clock,
      logger: log,
      raft: transport.raftService,
      ca: new StoreCaBackend({ store, clock: o.clock, rng: o.rng.fork(), logger: log }),
      dispatcher: manager.dispatcher,
      control: () => (manager.isLeader ? manager.control : undefined),
      logs: o.logs ?? logs,
      authorize: (peer, _service, rpcName) => {
        const cluster = store.view((tx) => tx.clusters.current());
        if (peer === undefined) {
          const open = authorize(null, rpcName);
          return open.ok ? null : 'no client certificates in request';
        }
        // The roots this node trusts, and the swarm's (both during a root rotation).
        const roots = new Set(o.identity.trustRoots());
        if (cluster?.RootCA) for (const r of trustedRoots(cluster.RootCA)) roots.add(r);
        const verdict = verifyPeer(peer.certPem, {
          rootCertPem: [...roots],
          clusterId: cluster?.ID ?? clusterId,
          clock: o.clock,
          isRemoved: (id) => (cluster?.RemovedNodes ?? []).includes(id),
        });
        if (!verdict.ok) return verdict.message;
        const a = authorize(verdict.role, rpcName);
        return a.ok ? null : a.message;
      },
    });
    try {
      await rpc.start();
    } catch (e) {
      await manager.stop();
      throw e;
    }
    const unsubscribe = o.identity.onChange(() => transport.updateTls(o.identity.tls()));
    log.info({ listen: rpc.address(), raftId: o.raftId }, 'manager role started');
    return new ManagerRole(manager, rpc, transport, unsubscribe, broker);
  }

  /** The address the RPC server is bound to. */
  address(): string {
    return this.rpc.address();
  }

  async stop(opts: { transfer?: boolean } = {}): Promise<void> {
    this.unsubscribe();
    this.logs.dispose();
    await this.manager.stop(opts);
    await this.rpc.close();
    await this.transport.close();
  }
}
