/**
 * GrpcTransport: Raft messages between processes over gRPC with mutual TLS. One server
 * (the Raft service, service.ts) receives; one Peer per known member (peer.ts) sends, on
 * one long-lived batched stream plus a call per snapshot. See
 * docs/design/raft-transport.md for the picture and the rules.
 *
 * The handler's onUnreachable and onSnapshotStatus are never called from inside send():
 * reports are deferred to the next turn of the event loop (and unreachable reports for a
 * peer are coalesced), so the driver is never re-entered while it hands over a Ready.
 */
import * as grpc from '@grpc/grpc-js';
import { ShoalError } from '../../base/errors.ts';
import type { Logger } from '../../base/logger.ts';
import { RaftService } from '../../gen/shoal/raft/v1/raft.ts';
import type { Message, NodeId } from '../core/types.ts';
import {
  channelOptions,
  type GrpcTransportOptions,
  type ResolvedOptions,
  resolveOptions,
  serverOptions,
} from './options.ts';
import { Peer } from './peer.ts';
import { type RaftServiceImpl, raftService } from './service.ts';
import { channelCredentials, serverCredentials } from './tls.ts';
import type { Transport, TransportHandler } from './transport.ts';

export type { GrpcTransportOptions } from './options.ts';
export type { AuthorizePeer, PeerInfo, TlsMaterial } from './tls.ts';

export class GrpcTransport implements Transport {
  readonly id: NodeId;
  private readonly opts: ResolvedOptions;
  private readonly log: Logger;
  private readonly peers = new Map<NodeId, Peer>();
  private handler: TransportHandler | undefined;
  private server: grpc.Server | undefined;
  private service: RaftServiceImpl | undefined;
  private bound: string | undefined;
  private closed = false;
  private readonly unreachable = new Set<NodeId>();
  private readonly snapshotReports: Array<[NodeId, boolean]> = [];
  private reportHandle: NodeJS.Immediate | undefined;

  constructor(options: GrpcTransportOptions) {
    this.opts = resolveOptions(options);
    this.id = options.id;
    this.log = this.opts.logger.child({ component: 'raft-transport', member: options.id });
  }

  async start(handler: TransportHandler): Promise<void> {
    if (this.closed) throw new ShoalError('failed_precondition', 'raft transport closed');
    if (this.service !== undefined)
      throw new ShoalError('failed_precondition', 'raft transport already started');
    this.handler = handler;
    this.service = raftService({
      id: this.id,
      handler: () => (this.closed ? undefined : this.handler),
      authorizePeer: this.opts.authorizePeer,
      checkPeerIds: this.opts.checkPeerIds,
      cnOf: this.opts.cnOf,
      maxSnapshotBytes: this.opts.maxSnapshotBytes,
      logger: this.log,
    });
    if (this.opts.listen === null) return; // mounted on a shared server (see `raftService`)
    const listen = this.opts.listen;
    const server = new grpc.Server(serverOptions(this.opts));
    server.addService(RaftService, this.service.impl);
    this.server = server;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(listen, serverCredentials(this.opts.tls), (err, p) =>
        err === null ? resolve(p) : reject(err),
      );
    }).catch((e: unknown) => {
      server.forceShutdown();
      this.server = undefined;
      const reason = e instanceof Error ? e.message : String(e);
      throw new ShoalError('unavailable', `raft transport cannot listen on ${listen}: ${reason}`, {
        cause: e,
      });
    });
    this.bound = `${listen.slice(0, listen.lastIndexOf(':'))}:${port}`;
    this.log.info({ address: this.bound }, 'raft transport listening');
  }

  /** The Raft service, for a shared server to mount (listen: null); after start(). */
  get raftService(): RaftServiceImpl {
    if (!this.service) throw new ShoalError('failed_precondition', 'raft transport not started');
    return this.service;
  }

  /**
   * New certificate material (renewal, role change): peers reconnect with it; the server
   * of a shared server is the shared server's business.
   */
  updateTls(tls: GrpcTransportOptions['tls']): void {
    (this.opts as { tls: GrpcTransportOptions['tls'] }).tls = tls;
    for (const [id, peer] of [...this.peers]) {
      const address = peer.address;
      this.peers.delete(id);
      if (peer.close()) this.reportSnapshot(id, false);
      this.addPeer(id, address);
    }
  }

  /** The address the server is bound to (host as given in `listen`, the actual port). */
  address(): string {
    if (this.bound === undefined) throw new ShoalError('failed_precondition', 'raft transport not started');
    return this.bound;
  }

  send(messages: readonly Message[]): void {
    if (this.closed) return;
    for (const m of messages) {
      const peer = this.peers.get(m.to);
      if (peer === undefined) {
        this.log.debug({ to: m.to, type: m.type }, 'message to an unknown peer');
        if (m.type === 'snap') this.reportSnapshot(m.to, false);
        this.reportUnreachable(m.to);
      } else {
        peer.send(m);
      }
    }
  }

  addPeer(id: NodeId, address: string): void {
    if (this.closed || id === this.id) return;
    const old = this.peers.get(id);
    if (old?.address === address) return;
    // Raft waits for the status of a snapshot in flight: it will not arrive from the old address.
    if (old?.close()) this.reportSnapshot(id, false);
    // With a configured serverName, or without id checks, the certificate must match the
    // name; otherwise it must name the member (CN) we dial, whatever its SANs.
    const verifyHostname = this.opts.serverName !== undefined || !this.opts.checkPeerIds;
    const credentials = channelCredentials(this.opts.tls, verifyHostname, (peer) => {
      if (this.opts.checkPeerIds && peer.cn !== this.opts.cnOf(id)) {
        return `dialed ${id} at ${address}, reached ${peer.cn}`;
      }
      return this.opts.authorizePeer?.(peer) ?? null;
    });
    const reports = {
      unreachable: (p: NodeId) => this.reportUnreachable(p),
      snapshotStatus: (p: NodeId, ok: boolean) => this.reportSnapshot(p, ok),
    };
    this.peers.set(
      id,
      new Peer(
        id,
        address,
        credentials,
        channelOptions(this.opts, id),
        { ...this.opts, logger: this.log },
        reports,
      ),
    );
    this.log.info({ peer: id, address, replaced: old?.address }, old ? 'peer address changed' : 'peer added');
  }

  removePeer(id: NodeId): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    if (peer.close()) this.reportSnapshot(id, false);
    this.peers.delete(id);
    this.log.info({ peer: id }, 'peer removed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    if (this.reportHandle !== undefined) clearImmediate(this.reportHandle);
    this.unreachable.clear();
    this.snapshotReports.length = 0;
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      // tryShutdown's callback fires once the listener and every session are closed, which
      // needs our long-lived calls ended first (see RaftServiceImpl.endCalls).
      this.service?.endCalls();
      await new Promise<void>((resolve) => {
        // Should a connection still hang (a handshake that never ends), give up waiting.
        const timer = setTimeout(() => {
          this.log.warn({}, 'server shutdown still waiting after 2 s; forcing it');
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.handler = undefined;
    this.log.info({}, 'raft transport closed');
  }

  private reportUnreachable(peer: NodeId): void {
    this.unreachable.add(peer);
    this.scheduleReports();
  }

  private reportSnapshot(peer: NodeId, ok: boolean): void {
    this.snapshotReports.push([peer, ok]);
    this.scheduleReports();
  }

  private scheduleReports(): void {
    if (this.closed || this.reportHandle !== undefined) return;
    this.reportHandle = setImmediate(() => {
      this.reportHandle = undefined;
      const h = this.handler;
      const unreachable = [...this.unreachable];
      const snapshots = this.snapshotReports.splice(0);
      this.unreachable.clear();
      if (h === undefined || this.closed) return;
      try {
        for (const p of unreachable) h.onUnreachable(p);
        for (const [p, ok] of snapshots) h.onSnapshotStatus(p, ok);
      } catch (e) {
        this.log.error({ error: String(e) }, 'transport handler threw');
      }
    });
  }
}
