/**
 * The gate in front of every handler on the cluster RPC server: each call is
 * authenticated and authorized before its service sees it.
 *
 *   call ─▶ verified client certificate? ── no ─▶ open RPC (join)? ── no ─▶ UNAUTHENTICATED
 *                 │ yes: PeerIdentity                │ yes: peer undefined
 *                 ▼                                  ▼
 *           authorize(peer, service, 'Service/Method') ── reason ─▶ PERMISSION_DENIED "reason"
 *                 │ null
 *                 ▼
 *           the service's handler (peerOf(call) gives it the identity)
 *
 * A certificate that fails verification never gets here: the server drops the connection
 * after the handshake (server-sockets.ts). Handlers are wrapped, not intercepted, so the
 * same rule covers services we do not own (the Raft service, which re-checks by itself).
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger.ts';
import { type Authorize, OPEN_RPCS, type RpcService, rpcName, serviceName } from './authz.ts';
import { type PeerIdentity, peerIdentity } from './identity.ts';
import { refuse } from './status.ts';

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown>;
type Handler = (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => void;

const peers = new WeakMap<object, PeerIdentity>();

/** The verified identity of a call the gate let through (undefined: no certificate). */
export function peerOf(call: object): PeerIdentity | undefined {
  return peers.get(call);
}

export interface GateDeps {
  authorize: Authorize;
  logger: Logger;
  /** Counts refusals, for stats. */
  refused?: (status: grpc.status) => void;
}

type Verdict =
  | { ok: true; peer: PeerIdentity | undefined }
  | { ok: false; status: grpc.status; reason: string };

function judge(call: AnyCall, service: RpcService, rpc: string, deps: GateDeps): Verdict {
  const cert = call.getAuthContext().sslPeerCertificate;
  const peer = cert?.raw !== undefined ? peerIdentity(cert) : undefined;
  if (peer === undefined && !OPEN_RPCS.has(rpc)) {
    return {
      ok: false,
      status: grpc.status.UNAUTHENTICATED,
      reason: `the ${serviceName(service)} service requires a client certificate issued by the cluster CA`,
    };
  }
  let reason: string | null;
  try {
    reason = deps.authorize(peer, service, rpc);
  } catch (e) {
    deps.logger.error({ service, rpc, error: String(e) }, 'authorize threw');
    return { ok: false, status: grpc.status.INTERNAL, reason: 'authorization failed' };
  }
  if (reason !== null) return { ok: false, status: grpc.status.PERMISSION_DENIED, reason };
  return { ok: true, peer };
}

/**
 * `impl` with every handler behind the gate. `definition` says which handlers stream
 * responses (they are refused by an emitted error, the others through their callback).
 */
export function guard<T extends grpc.UntypedServiceImplementation>(
  definition: grpc.ServiceDefinition,
  impl: T,
  service: RpcService,
  deps: GateDeps,
): T {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [key, def] of Object.entries(definition)) {
    const handler = impl[key] as unknown as Handler | undefined;
    if (handler === undefined) continue;
    const rpc = rpcName(def.path);
    const wrapped: Handler = (call, callback) => {
      const v = judge(call, service, rpc, deps);
      if (!v.ok) {
        deps.refused?.(v.status);
        deps.logger.warn(
          {
            service,
            rpc,
            remote: call.getPeer(),
            node: call.getAuthContext().sslPeerCertificate?.subject?.CN,
            code: grpc.status[v.status],
            reason: v.reason,
          },
          'call refused',
        );
        const err = refuse(v.status, v.reason);
        if (def.responseStream) (call as unknown as NodeJS.EventEmitter).emit('error', err);
        else callback?.(err);
        return;
      }
      if (v.peer !== undefined) peers.set(call, v.peer);
      handler.call(impl, call, callback);
    };
    out[key] = wrapped as unknown as grpc.UntypedHandleCall;
  }
  return out as T;
}
