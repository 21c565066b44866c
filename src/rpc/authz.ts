/**
 * Who may call what on the cluster RPC server.
 *
 *   service     RPCs (`Service/Method`)          certificate  roles (OU)                   swarmkit
 *   ca          CA/GetRootCACertificate,         optional     anyone; a join needs a       insecure
 *               NodeCA/IssueNodeCertificate,                  valid token
 *               NodeCA/NodeCertificateStatus
 *   dispatcher  Dispatcher/Session               required     swarm-worker, swarm-manager  worker, manager
 *   raft        Raft/Stream, Raft/SendSnapshot   required     swarm-manager                manager
 *   control     Control/Call                     required     swarm-manager                manager
 *   logs        Logs/SubscribeLogs               required     swarm-manager                manager
 *
 * The server enforces the certificate column itself (no verified certificate:
 * UNAUTHENTICATED, except for the open RPCs); the rest is the `Authorize` hook's, which
 * the daemon builds from the CA library (src/ca/authorize.ts keys its table by the same
 * `Service/Method` names; role, cluster id, removed nodes, expiry). `roleAuthorizer` is
 * the table above with optional cluster, removal and expiry checks: the tests' policy and
 * a stand-in until the daemon wires the CA library's.
 */
import { MANAGER_ROLE, type PeerIdentity, WORKER_ROLE } from './identity.ts';

export type RpcService = 'raft' | 'ca' | 'dispatcher' | 'control' | 'logs';

/**
 * Decides one call: null allows it, a string refuses it (PERMISSION_DENIED, with that
 * text). `peer` is undefined only for an open RPC (a node joining without a
 * certificate). `rpc` is `Service/Method` (`NodeCA/IssueNodeCertificate`), swarmkit's way
 * of naming RPCs in its authorization rules.
 */
export type Authorize = (peer: PeerIdentity | undefined, service: RpcService, rpc: string) => string | null;

/** The RPCs a caller without a client certificate may reach: how a node joins. */
export const OPEN_RPCS: ReadonlySet<string> = new Set([
  'CA/GetRootCACertificate',
  'NodeCA/IssueNodeCertificate',
  'NodeCA/NodeCertificateStatus',
]);

/** `Service/Method` from a gRPC path (`/shoal.ca.v1.NodeCA/IssueNodeCertificate`). */
export function rpcName(path: string): string {
  const [service = '', method = ''] = path.replace(/^\//, '').split('/');
  return `${service.slice(service.lastIndexOf('.') + 1)}/${method}`;
}

/** The roles each service accepts (undefined: any caller, with or without certificate). */
export const SERVICE_ROLES: Readonly<Record<RpcService, readonly string[] | undefined>> = {
  ca: undefined,
  dispatcher: [WORKER_ROLE, MANAGER_ROLE],
  raft: [MANAGER_ROLE],
  control: [MANAGER_ROLE],
  logs: [MANAGER_ROLE],
};

const SERVICE_NAMES: Readonly<Record<RpcService, string>> = {
  ca: 'CA',
  dispatcher: 'Dispatcher',
  raft: 'Raft',
  control: 'Control',
  logs: 'Logs',
};

/** The service's name for messages (`Control`). */
export function serviceName(s: RpcService): string {
  return SERVICE_NAMES[s];
}

export interface RoleAuthorizerOptions {
  /** The cluster id certificates must carry (O); unchecked when absent. */
  clusterId?: () => string | undefined;
  /** Nodes removed from the swarm: refused whatever their certificate says. */
  isRemoved?: (nodeId: string) => boolean;
  /** Wall-clock now, ms (certificates expired during a long-lived connection). */
  now?: () => number;
}

/** The role table above, plus cluster, removal and expiry checks when given. */
export function roleAuthorizer(opts: RoleAuthorizerOptions = {}): Authorize {
  return (peer, service, rpc) => {
    if (peer === undefined) return OPEN_RPCS.has(rpc) ? null : 'no client certificates in request';
    const cluster = opts.clusterId?.();
    if (cluster !== undefined && peer.clusterId !== cluster) {
      return `Permission denied: node ${peer.nodeId}'s certificate belongs to cluster ${peer.clusterId || '(none)'}, not ${cluster}`;
    }
    if (opts.isRemoved?.(peer.nodeId)) {
      return `Permission denied: node ${peer.nodeId} was removed from the swarm`;
    }
    if (opts.now !== undefined && peer.notAfter <= opts.now()) {
      return `Permission denied: node ${peer.nodeId}'s certificate expired at ${new Date(peer.notAfter).toISOString()}`;
    }
    const roles = SERVICE_ROLES[service];
    if (roles !== undefined && !roles.includes(peer.role)) {
      const who = roles.length === 1 ? `managers (${roles[0]})` : `roles ${roles.join(', ')}`;
      return `Permission denied: the ${serviceName(service)} service is for ${who}; node ${peer.nodeId}'s certificate has role ${peer.role || '(none)'}`;
    }
    return null;
  };
}
