/**
 * GrpcTransport's options, their defaults, and the gRPC channel and server settings
 * derived from them (keepalive, message size limits, reconnect backoff, no channelz).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Clock } from '../../base/clock.ts';
import { realClock } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import { nullLogger } from '../../base/logger.ts';
import type { Rng } from '../../base/rng.ts';
import { systemRng } from '../../base/rng.ts';
import type { NodeId } from '../core/types.ts';
import type { AuthorizePeer, TlsMaterial } from './tls.ts';

const MiB = 1024 * 1024;

export interface GrpcTransportOptions {
  /** The local member's id: incoming messages must be addressed `to` it. */
  id: NodeId;
  /**
   * host:port to listen on; port 0 picks a free port (see GrpcTransport.address()). null:
   * no server of its own — the Raft service is mounted on a shared server (src/rpc) with
   * `GrpcTransport.service`.
   */
  listen: string | null;
  tls: TlsMaterial;
  /**
   * Extra checks on a verified peer certificate (role, cluster id), both on incoming calls
   * and on the servers we dial: null allows the peer, a string is the refusal reason.
   */
  authorizePeer?: AuthorizePeer;
  /**
   * The peer's member id is its certificate's CN (default true): incoming messages must
   * come `from` it, and a dialed server must present the id it was dialed for.
   */
  checkPeerIds?: boolean;
  /**
   * The certificate CN a member id must present (default: the id itself). Shoal's manager
   * member ids are `<node id>.<suffix>` while certificates name the node.
   */
  cnOf?: (member: NodeId) => string;
  /**
   * Name to verify the servers' certificates against instead of the dialed host, for
   * certificates whose SANs carry a role name rather than the address.
   */
  serverName?: string;
  logger?: Logger;
  clock?: Clock;
  rng?: Rng;
  /** Upper bound of one MessageBatch (a single larger message still goes alone). 1 MiB. */
  maxBatchBytes?: number;
  /** Messages waiting per peer; when full, new ones are dropped and reported. 4096. */
  maxQueue?: number;
  /** Snapshot chunk size. 1 MiB. */
  chunkBytes?: number;
  /** gRPC message size limit, both ways; larger messages are dropped. 64 MiB. */
  maxMessageBytes?: number;
  /** Largest snapshot accepted from a peer. 2 GiB. */
  maxSnapshotBytes?: number;
  /** Reconnect backoff after a failed stream: doubles from initialMs up to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  /** HTTP/2 keepalive: ping after this much silence, fail the connection without a pong. */
  keepalive?: { timeMs: number; timeoutMs: number };
}

export type ResolvedOptions = Required<Omit<GrpcTransportOptions, 'authorizePeer' | 'serverName'>> &
  Pick<GrpcTransportOptions, 'authorizePeer' | 'serverName'>;

/** The CN `member` must present. */
export function cnOf(o: Pick<ResolvedOptions, 'cnOf'>, member: NodeId): string {
  return o.cnOf(member);
}

export function resolveOptions(o: GrpcTransportOptions): ResolvedOptions {
  return {
    checkPeerIds: true,
    cnOf: (member: NodeId) => member,
    logger: nullLogger,
    clock: realClock,
    rng: systemRng(),
    maxBatchBytes: MiB,
    maxQueue: 4096,
    chunkBytes: MiB,
    maxMessageBytes: 64 * MiB,
    maxSnapshotBytes: 2048 * MiB,
    backoff: { initialMs: 100, maxMs: 2000 },
    keepalive: { timeMs: 10_000, timeoutMs: 5_000 },
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
  } as ResolvedOptions;
}

export function serverOptions(o: ResolvedOptions): grpc.ServerOptions {
  return {
    'grpc.enable_channelz': 0,
    'grpc.max_receive_message_length': o.maxMessageBytes,
    'grpc.max_send_message_length': o.maxMessageBytes,
    'grpc.keepalive_time_ms': o.keepalive.timeMs,
    'grpc.keepalive_timeout_ms': o.keepalive.timeoutMs,
  };
}

/**
 * Channel settings for dialing `peer`. The TLS name (SNI, and what the certificate is
 * checked against) is `serverName` if set; otherwise, when peer ids are checked, the peer
 * id itself: the certificate must then name that member (its CN), which identifies the
 * server better than an address would, and no IP ends up as SNI (node warns, DEP0123).
 */
export function tlsName(o: ResolvedOptions, peer: NodeId): string | undefined {
  return o.serverName ?? (o.checkPeerIds ? o.cnOf(peer) : undefined);
}

export function channelOptions(o: ResolvedOptions, peer: NodeId): grpc.ChannelOptions {
  const opts: grpc.ChannelOptions = {
    'grpc.enable_channelz': 0,
    'grpc.max_receive_message_length': o.maxMessageBytes,
    'grpc.max_send_message_length': o.maxMessageBytes,
    'grpc.keepalive_time_ms': o.keepalive.timeMs,
    'grpc.keepalive_timeout_ms': o.keepalive.timeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    // grpc-js's own reconnect backoff defaults to 1 s growing to 120 s: a peer that was
    // down for two minutes would then stay unreachable long after it is back.
    'grpc.initial_reconnect_backoff_ms': o.backoff.initialMs,
    'grpc.max_reconnect_backoff_ms': o.backoff.maxMs,
    // Our channels are private to one peer: no sharing of connections across transports
    // in the same process (tests run several), and close() really closes them.
    'grpc.use_local_subchannel_pool': 1,
    // Raft resends what is lost; retries would only buffer streamed messages.
    'grpc.enable_retries': 0,
  };
  const name = tlsName(o, peer);
  if (name !== undefined) opts['grpc.ssl_target_name_override'] = name;
  return opts;
}
