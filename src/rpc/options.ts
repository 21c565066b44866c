/**
 * gRPC settings shared by the cluster RPC server and its channels: keepalive, message
 * limits, reconnect backoff, no channelz. The values and why (see also
 * docs/design/raft-transport.md, whose traps apply here too):
 *
 * - keepalive 10 s, timeout 5 s, both ways: a silently dead peer (a cable pulled, a VM
 *   paused) fails its streams within 15 s instead of the OS's minutes.
 * - reconnect backoff 100 ms .. 2 s: grpc-js's default grows to 120 s, which would hide a
 *   manager that came back.
 * - 256 MiB messages: a control-API listing of 100,000 tasks is a single JSON result.
 * - channelz off (memory and time per call); it also means Server.forceShutdown() does
 *   not see open sessions (ClusterRpcServer tracks its sockets itself).
 */
import type * as grpc from '@grpc/grpc-js';

const MiB = 1024 * 1024;

export interface RpcTuning {
  keepalive: { timeMs: number; timeoutMs: number };
  backoff: { initialMs: number; maxMs: number };
  maxMessageBytes: number;
}

export const DEFAULT_TUNING: RpcTuning = {
  keepalive: { timeMs: 10_000, timeoutMs: 5_000 },
  backoff: { initialMs: 100, maxMs: 2_000 },
  maxMessageBytes: 256 * MiB,
};

export function tuning(over: Partial<RpcTuning> = {}): RpcTuning {
  return {
    keepalive: over.keepalive ?? DEFAULT_TUNING.keepalive,
    backoff: over.backoff ?? DEFAULT_TUNING.backoff,
    maxMessageBytes: over.maxMessageBytes ?? DEFAULT_TUNING.maxMessageBytes,
  };
}

export function serverOptions(t: RpcTuning): grpc.ServerOptions {
  return {
    'grpc.enable_channelz': 0,
    'grpc.max_receive_message_length': t.maxMessageBytes,
    'grpc.max_send_message_length': t.maxMessageBytes,
    'grpc.keepalive_time_ms': t.keepalive.timeMs,
    'grpc.keepalive_timeout_ms': t.keepalive.timeoutMs,
  };
}

/** Channel settings; `serverName` is the TLS name the server's certificate must carry. */
export function channelOptions(t: RpcTuning, serverName: string | undefined): grpc.ChannelOptions {
  const o: grpc.ChannelOptions = {
    'grpc.enable_channelz': 0,
    'grpc.max_receive_message_length': t.maxMessageBytes,
    'grpc.max_send_message_length': t.maxMessageBytes,
    'grpc.keepalive_time_ms': t.keepalive.timeMs,
    'grpc.keepalive_timeout_ms': t.keepalive.timeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.initial_reconnect_backoff_ms': t.backoff.initialMs,
    'grpc.max_reconnect_backoff_ms': t.backoff.maxMs,
    // Each pool owns its connections: close() really closes them, and two pools in one
    // process (tests, the simulator) never share one with the other's certificate.
    'grpc.use_local_subchannel_pool': 1,
    // Sessions and log streams are not replayable; control calls are not idempotent.
    'grpc.enable_retries': 0,
  };
  // The name to verify (and send as SNI) instead of the dialed host: certificates carry
  // role names and node ids, not addresses; no IP as SNI either (node warns, DEP0123).
  if (serverName !== undefined) o['grpc.ssl_target_name_override'] = serverName;
  return o;
}
