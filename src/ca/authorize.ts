/**
 * Which roles may call which cluster RPC: swarmkit's per-method `tls_authorization`
 * options (api/*.proto), as one table. Three kinds of method:
 *
 *   open to anyone (no certificate)   CA.GetRootCACertificate, NodeCA.IssueNodeCertificate,
 *                                     NodeCA.NodeCertificateStatus: how a node joins, and
 *                                     how any node renews (the CA tells renewals from joins
 *                                     by the caller's certificate, not by the method)
 *   workers and managers              Dispatcher.*, LogBroker.ListenSubscriptions/PublishLogs,
 *                                     ResourceAllocator.* (attachable networks on workers)
 *   managers only                     everything else: Raft, RaftMembership, Control, Watch,
 *                                     Logs.SubscribeLogs, CA.GetUnlockKey, Health, and any
 *                                     service this table does not name
 *
 * Methods are named `Service/Method`; a gRPC path (`/shoal.raft.v1.Raft/Stream`) is
 * accepted and its package prefix ignored.
 */
import { MANAGER_ROLE, type NodeCertRole, WORKER_ROLE } from './names.ts';

type Rule = 'open' | readonly NodeCertRole[];

const BOTH: readonly NodeCertRole[] = [WORKER_ROLE, MANAGER_ROLE];
const MANAGERS: readonly NodeCertRole[] = [MANAGER_ROLE];

/** Per-method rules, then per-service rules (`Service/*`); anything else is managers only. */
export const RPC_AUTHORIZATION: Readonly<Record<string, Rule>> = {
  'CA/GetRootCACertificate': 'open',
  'CA/GetUnlockKey': MANAGERS,
  'NodeCA/*': 'open',
  'Dispatcher/*': BOTH,
  'LogBroker/ListenSubscriptions': BOTH,
  'LogBroker/PublishLogs': BOTH,
  'Logs/SubscribeLogs': MANAGERS,
  'ResourceAllocator/*': BOTH,
  'Raft/*': MANAGERS,
  'RaftMembership/*': MANAGERS,
  'Control/*': MANAGERS,
  'Watch/*': MANAGERS,
  'Health/*': MANAGERS,
};

export type Authorization = { ok: true } | { ok: false; message: string };

/** `Service/Method` from a gRPC path or an already short name. */
export function rpcName(pathOrName: string): string {
  const trimmed = pathOrName.replace(/^\//, '');
  const slash = trimmed.indexOf('/');
  if (slash < 0) return trimmed;
  const service = trimmed.slice(0, slash);
  return `${service.slice(service.lastIndexOf('.') + 1)}${trimmed.slice(slash)}`;
}

export function ruleFor(rpc: string): Rule {
  const name = rpcName(rpc);
  const service = name.split('/')[0] ?? name;
  return RPC_AUTHORIZATION[name] ?? RPC_AUTHORIZATION[`${service}/*`] ?? MANAGERS;
}

/**
 * May a caller with this role (null: no verified certificate) call `rpc`? Refusals carry
 * swarmkit's messages (ca/auth.go).
 */
export function authorize(role: NodeCertRole | null, rpc: string): Authorization {
  const rule = ruleFor(rpc);
  if (rule === 'open') return { ok: true };
  if (role === null) return { ok: false, message: 'no client certificates in request' };
  if (rule.includes(role)) return { ok: true };
  return { ok: false, message: `Permission denied: remote certificate not part of OUs: [${rule.join(' ')}]` };
}
