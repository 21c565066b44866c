/**
 * The receiving half: the Raft gRPC service. Each call is authenticated from the TLS
 * peer certificate (the chain was verified in the handshake; `authorizePeer` and the
 * CN-is-member-id rule are checked here), then its messages are handed to Raft in the
 * order they arrived. Exported separately from GrpcTransport so the daemon's cluster RPC
 * server can host it next to its other services.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../base/logger.ts';
import type { MessageBatch, RaftServer, SnapshotChunk, StreamAck } from '../../gen/shoal/raft/v1/raft.ts';
import type { Message, NodeId } from '../core/types.ts';
import { messageFromPb } from './codec.ts';
import { SnapshotAssembler } from './snapshot.ts';
import { type AuthorizePeer, type PeerInfo, peerInfoFromCertificate } from './tls.ts';
import type { TransportHandler } from './transport.ts';

export interface RaftServiceDeps {
  id: NodeId;
  /** Where messages go; undefined until the transport starts (calls are then refused). */
  handler(): TransportHandler | undefined;
  authorizePeer?: AuthorizePeer | undefined;
  checkPeerIds: boolean;
  /** The certificate CN a member id must present (default: the id itself). */
  cnOf?: (member: NodeId) => string;
  maxSnapshotBytes: number;
  logger: Logger;
}

type Refusal = { code: grpc.status; reason: string };

function error(r: Refusal): Partial<grpc.StatusObject> {
  return { code: r.code, details: r.reason };
}

export interface RaftServiceImpl {
  impl: RaftServer;
  /**
   * Ends every call in progress with UNAVAILABLE. Needed before shutting the server down:
   * with channelz disabled, grpc-js's forceShutdown() does not see the open sessions, and
   * a graceful close waits for our long-lived streams (until a keepalive fails).
   */
  endCalls(): void;
}

const SHUTTING_DOWN: Refusal = { code: grpc.status.UNAVAILABLE, reason: 'shutting down' };

export function raftService(deps: RaftServiceDeps): RaftServiceImpl {
  const log = deps.logger;
  const active = new Set<(r: Refusal) => void>();

  function authenticate(call: grpc.ServerReadableStream<unknown, unknown>): PeerInfo | Refusal {
    if (deps.handler() === undefined) return { code: grpc.status.UNAVAILABLE, reason: 'not started' };
    const cert = call.getAuthContext().sslPeerCertificate;
    if (cert?.raw === undefined)
      return { code: grpc.status.UNAUTHENTICATED, reason: 'no client certificate' };
    const peer = peerInfoFromCertificate(cert);
    const refusal = deps.authorizePeer?.(peer) ?? null;
    if (refusal !== null) {
      log.warn({ cn: peer.cn, remote: call.getPeer(), reason: refusal }, 'peer refused');
      return { code: grpc.status.PERMISSION_DENIED, reason: refusal };
    }
    return peer;
  }

  /** Null when `m` may be delivered; otherwise why the call must end. */
  function check(peer: PeerInfo, m: Message): Refusal | null {
    if (deps.checkPeerIds && (deps.cnOf?.(m.from) ?? m.from) !== peer.cn) {
      log.warn(
        { cn: peer.cn, from: m.from, type: m.type },
        'message from another member than the certificate',
      );
      return {
        code: grpc.status.PERMISSION_DENIED,
        reason: `certificate ${peer.cn} cannot send for ${m.from}`,
      };
    }
    if (m.to !== deps.id) {
      log.warn({ from: m.from, to: m.to, type: m.type }, 'message for another member');
      return { code: grpc.status.FAILED_PRECONDITION, reason: `this is ${deps.id}, not ${m.to}` };
    }
    return null;
  }

  function deliver(m: Message): void {
    try {
      deps.handler()?.onMessage(m);
    } catch (e) {
      log.error({ from: m.from, type: m.type, error: String(e) }, 'onMessage threw');
    }
  }

  const impl: RaftServer = {
    stream(call: grpc.ServerReadableStream<MessageBatch, StreamAck>, callback) {
      const peer = authenticate(call);
      if (!('cn' in peer)) return callback(error(peer));
      call.sendMetadata(new grpc.Metadata());
      let ended = false;
      const end = (r: Refusal | null): void => {
        if (ended) return;
        ended = true;
        active.delete(end);
        if (r === null) callback(null, {});
        else callback(error(r));
      };
      active.add(end);
      call.on('data', (batch: MessageBatch) => {
        for (const pb of batch.messages) {
          if (ended) return;
          let m: Message;
          try {
            m = messageFromPb(pb);
          } catch (e) {
            return end({ code: grpc.status.INVALID_ARGUMENT, reason: (e as Error).message });
          }
          const refusal = check(peer, m);
          if (refusal !== null) return end(refusal);
          deliver(m);
        }
      });
      call.on('end', () => end(null));
      // The client went away (cancelled, connection lost): nothing to answer.
      const gone = (): void => {
        ended = true;
        active.delete(end);
      };
      call.on('error', gone);
      call.on('cancelled', gone);
    },

    sendSnapshot(call: grpc.ServerReadableStream<SnapshotChunk, unknown>, callback) {
      const peer = authenticate(call);
      if (!('cn' in peer)) return callback(error(peer));
      const assembler = new SnapshotAssembler(deps.maxSnapshotBytes, (m) => check(peer, m));
      let ended = false;
      const fail = (r: Refusal): void => {
        if (ended) return;
        ended = true;
        active.delete(fail);
        if (r !== SHUTTING_DOWN) log.warn({ cn: peer.cn, reason: r.reason }, 'snapshot refused');
        callback(error(r));
      };
      active.add(fail);
      call.on('data', (chunk: SnapshotChunk) => {
        if (ended) return;
        const r = assembler.add(chunk);
        if (r !== undefined && !r.ok) fail(r);
      });
      call.on('end', () => {
        if (ended) return;
        const r = assembler.finish();
        if (!r.ok) return fail(r);
        ended = true;
        active.delete(fail);
        const snap = r.message.snapshot;
        log.info(
          { from: r.message.from, index: snap?.meta.index, bytes: snap?.data.byteLength },
          'snapshot received',
        );
        deliver(r.message);
        callback(null, { ok: true, error: '' });
      });
      // The client went away (cancelled, connection lost): nothing to answer.
      const gone = (): void => {
        ended = true;
        active.delete(fail);
      };
      call.on('error', gone);
      call.on('cancelled', gone);
    },
  };

  return {
    impl,
    endCalls() {
      for (const end of [...active]) end(SHUTTING_DOWN);
    },
  };
}
