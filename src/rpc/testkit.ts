/**
 * Test helpers for the cluster RPC (used by the *.test.ts files beside it, never by
 * production code): certificates in swarmkit's shape from the ephemeral test CA, a
 * ClusterRpcServer on 127.0.0.1 with a memory logger, channel pools, and polling waits.
 *
 * Certificates: CN = node id, OU = swarm-manager | swarm-worker, O = the cluster id, DNS
 * SANs = the role name, the node id and (managers) swarm-ca, no IP SANs: servers are dialed by IP and verified
 * by the name 'swarm-manager' (ssl_target_name_override).
 */

import { createTestCa, type TestCa, testCa } from '../../test/fixtures/tls.ts';
import type { NodeRole } from '../api/node.ts';
import { type LogLine, memoryLogger } from '../base/logger.ts';
import type { DispatcherLink, SessionAcceptor } from '../manager/dispatcher/link.ts';
import type { AgentMessage } from '../manager/dispatcher/protocol.ts';
import { roleAuthorizer } from './authz.ts';
import type { CaBackend, CaCaller, IssueOutcome, IssueRequest } from './ca-service.ts';
import { RpcChannels, type RpcChannelsOptions } from './channels.ts';
import { certRole } from './identity.ts';
import { ClusterRpcServer, type ClusterRpcServerOptions } from './server.ts';
import { MutableTlsProvider, type TlsIdentity } from './tls.ts';

export const CLUSTER = 'cluster-rpc-test';
export { createTestCa, type TestCa, testCa };

export interface IdentityOptions {
  cluster?: string;
  /** A different certificate for the same node (renewal): any distinct string. */
  generation?: string;
  notAfter?: Date;
}

/** A node certificate in swarmkit's shape from `ca`. */
export async function identity(
  ca: TestCa,
  nodeId: string,
  role: NodeRole,
  o: IdentityOptions = {},
): Promise<TlsIdentity> {
  const ou = certRole(role);
  const issued = await ca.issue(nodeId, {
    ou,
    o: o.cluster ?? CLUSTER,
    ips: [],
    // As src/ca/sign.ts: the role and the node id, and 'swarm-ca' for managers (the CA).
    dns: [
      ou,
      nodeId,
      ...(role === 'manager' ? ['swarm-ca'] : []),
      ...(o.generation ? [`gen-${o.generation}`] : []),
    ],
    ...(o.notAfter ? { notAfter: o.notAfter } : {}),
  });
  return { certPem: issued.certPem, keyPem: issued.keyPem };
}

/** TLS material for a node: its certificate from `ca` (none for `role: undefined`), trusting `trust`. */
export async function nodeTls(
  ca: TestCa,
  nodeId: string,
  role: NodeRole | undefined,
  o: IdentityOptions & { trust?: TestCa } = {},
): Promise<MutableTlsProvider> {
  const id = role === undefined ? undefined : await identity(ca, nodeId, role, o);
  return new MutableTlsProvider({ identity: id, rootsPem: (o.trust ?? ca).caPem });
}

export interface StartedServer {
  server: ClusterRpcServer;
  addr: string;
  logs: LogLine[];
}

/** A started server on 127.0.0.1 with the role table as its policy (unless given). */
export async function startServer(
  opts: Partial<ClusterRpcServerOptions> & Pick<ClusterRpcServerOptions, 'tls'>,
): Promise<StartedServer> {
  const logs: LogLine[] = [];
  const server = new ClusterRpcServer({
    listen: '127.0.0.1:0',
    authorize: roleAuthorizer({ clusterId: () => CLUSTER }),
    logger: memoryLogger(logs),
    shutdownGraceMs: 1_000,
    ...opts,
  });
  await server.start();
  return { server, addr: server.address(), logs };
}

/** A channel pool with fast reconnects, verifying servers as 'swarm-manager'. */
export function channels(tls: MutableTlsProvider, opts: Partial<RpcChannelsOptions> = {}): RpcChannels {
  return new RpcChannels({ tls, tuning: { backoff: { initialMs: 20, maxMs: 200 } }, ...opts });
}

/** Polls `cond` every few milliseconds; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Closes things in reverse order of registration (after() hooks). */
export class Cleanup {
  private readonly fns: Array<() => unknown> = [];
  add<T>(x: T, close: (x: T) => unknown): T {
    this.fns.push(() => close(x));
    return x;
  }
  async run(): Promise<void> {
    for (const f of this.fns.splice(0).reverse()) await f();
  }
}

export const WORKER_TOKEN = 'SWMTKN-1-test-worker';
export const MANAGER_TOKEN = 'SWMTKN-1-test-manager';
export const BAD_TOKEN_TEXT = 'A valid join token is necessary to join this cluster';

export interface CaCall {
  req: IssueRequest;
  caller: CaCaller;
}

/**
 * A CaBackend for transport tests: tokens decide the role, renewals keep the caller's;
 * the "certificate" is issued by the test CA for the node id (the CSR is not read: real
 * signing is the CA library's).
 */
export function testCaBackend(ca: TestCa, calls: CaCall[] = []): CaBackend & { calls: CaCall[] } {
  let n = 0;
  const issued = new Map<string, string>();
  const issue = async (nodeId: string, role: NodeRole): Promise<IssueOutcome> => {
    const cert = await identity(ca, nodeId, role);
    issued.set(nodeId, cert.certPem);
    return { ok: true, nodeId, role, status: { state: 'issued', certificateChainPem: cert.certPem } };
  };
  return {
    calls,
    rootCaCertificate: async () => ca.caPem,
    async issueNodeCertificate(req, caller) {
      calls.push({ req, caller });
      if (caller.peer !== undefined && req.token === undefined) {
        return issue(caller.peer.nodeId, caller.peer.role === 'swarm-manager' ? 'manager' : 'worker');
      }
      if (req.token === WORKER_TOKEN) return issue(`joined-${++n}`, 'worker');
      if (req.token === MANAGER_TOKEN) return issue(`joined-${++n}`, 'manager');
      return { ok: false, code: 'invalid_argument', message: BAD_TOKEN_TEXT };
    },
    async nodeCertificateStatus(nodeId) {
      const pem = issued.get(nodeId);
      if (pem === undefined) return { ok: false, code: 'not_found', message: `node ${nodeId} not found` };
      return { ok: true, status: { state: 'issued', certificateChainPem: pem } };
    },
  };
}

/** A SessionAcceptor that records the links it gets and what arrives on them. */
export class RecordingAcceptor implements SessionAcceptor {
  readonly links: Array<{ link: DispatcherLink; got: AgentMessage[]; closed: string[] }> = [];
  accept(link: DispatcherLink): void {
    const rec = { link, got: [] as AgentMessage[], closed: [] as string[] };
    this.links.push(rec);
    link.attach({ onMessage: (m) => rec.got.push(m), onClose: (r) => rec.closed.push(r) });
  }
}
