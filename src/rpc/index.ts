/**
 * src/rpc: the cluster RPC. Every manager runs ONE gRPC server on its cluster address
 * (host:2377) over TLS, hosting every service nodes use to talk to managers and managers
 * to each other; every node dials managers through one channel pool.
 *
 * Where it sits in a task's path: the assignments the dispatcher streams to a node, and
 * the statuses the node reports back, travel as a session over the Dispatcher service;
 * Raft entries (every store write) travel over the Raft service; a `docker service create`
 * on a follower is forwarded to the leader over the Control service; a node gets its
 * certificate over the CA services before any of that. Above src/ca (which decides who
 * may call what), below the manager wiring and the daemon (which build the backends:
 * the Dispatcher, the Raft transport's handler, the leader's ControlApi, the CA server).
 * See docs/design/rpc.md.
 */
export {
  type Authorize,
  OPEN_RPCS,
  type RpcService,
  roleAuthorizer,
  rpcName,
  SERVICE_ROLES,
} from './authz.ts';
export { CaClient, type CaClientOptions, type CaResult, fetchRootCa, type IssuedNode } from './ca-client.ts';
export type {
  CaBackend,
  CaCaller,
  CaRefusal,
  CertificateStatus,
  IssueOutcome,
  IssueRequest,
  StatusOutcome,
} from './ca-service.ts';
export { type ClientConstructor, RpcChannels, type RpcChannelsOptions } from './channels.ts';
export { CONTROL_METHODS, type ControlMethod } from './control-codec.ts';
export { ForwardingControl, type ForwardingControlOptions, NO_LEADER } from './control-forwarding.ts';
export { NOT_LEADER_TEXT } from './control-service.ts';
export {
  certRole,
  identityFromPem,
  MANAGER_ROLE,
  nodeRole,
  type PeerIdentity,
  WORKER_ROLE,
} from './identity.ts';
export type {
  LogContext,
  LogRecord,
  LogSelector,
  LogStreamName,
  LogSubscription,
  LogsBackend,
} from './logs.ts';
export { subscribeLogs } from './logs-client.ts';
export { MemoryLogsBackend } from './logs-memory.ts';
export { DEFAULT_TUNING, type RpcTuning } from './options.ts';
export { ClusterRpcServer, type ClusterRpcServerOptions } from './server.ts';
export { GrpcSessionDialer, type GrpcSessionDialerOptions } from './session-dialer.ts';
export { RpcError } from './status.ts';
export { MutableTlsProvider, type TlsIdentity, type TlsProvider, type TlsState } from './tls.ts';
