/**
 * The CA service of a manager: the root certificate, and node certificates for nodes that
 * join with a token or renew with their current certificate. Every manager can answer: the
 * root key and the join tokens live in the replicated Cluster object, so signing needs no
 * write and no leader. A joining node's Node object is created when its agent first opens
 * a session (workers) or when it is admitted into Raft (managers).
 *
 *   join:   token ──► role (worker | manager) ──► new node id ──► sign CSR (CN id, OU role, O cluster)
 *   renew:  verified peer ──► its node's current role (promote/demote) ──► sign CSR
 *
 * During a root rotation certificates are signed by the new root's key and carry the new
 * root cross-signed by the old one (src/ca/rotation.ts signerOf), so every node verifies
 * them whichever root it trusts yet.
 */
import { newId } from '../api/ids.ts';
import type { Clock } from '../base/clock.ts';
import type { Logger } from '../base/logger.ts';
import type { Rng } from '../base/rng.ts';
import { roleForToken, signerOf, signNodeCsr } from '../ca/index.ts';
import type { CaBackend, CaCaller, IssueOutcome, IssueRequest } from '../rpc/index.ts';
import type { MemoryStore } from '../store/index.ts';

const NS_PER_MS = 1_000_000;

export interface CaBackendOptions {
  store: MemoryStore;
  clock: Clock;
  rng: Rng;
  logger: Logger;
}

export class StoreCaBackend implements CaBackend {
  constructor(private readonly opts: CaBackendOptions) {}

  private cluster() {
    return this.opts.store.view((tx) => tx.clusters.current());
  }

  async rootCaCertificate(): Promise<string> {
    const c = this.cluster();
    if (!c?.RootCA) throw new Error('the swarm CA is not ready yet');
    return c.RootCA.CACert;
  }

  async issueNodeCertificate(req: IssueRequest, caller: CaCaller): Promise<IssueOutcome> {
    const c = this.cluster();
    if (!c?.RootCA || !c.JoinTokens) {
      return { ok: false, code: 'unavailable', message: 'the swarm CA is not ready yet; retry shortly' };
    }
    const { ca, intermediatesPem } = signerOf(c.RootCA);
    const expiryNs = c.Spec.CAConfig?.NodeCertExpiry;
    const expiry = expiryNs ? expiryNs / NS_PER_MS : undefined;
    let nodeId: string;
    let role: 'swarm-manager' | 'swarm-worker';
    if (caller.peer) {
      // Renewal: the node's current role decides (this is how promote and demote reach it).
      nodeId = caller.peer.nodeId;
      if ((c.RemovedNodes ?? []).includes(nodeId)) {
        return {
          ok: false,
          code: 'permission_denied',
          message: `Permission denied: node ${nodeId} was removed from swarm`,
        };
      }
      const node = this.opts.store.view((tx) => tx.nodes.get(nodeId));
      const wantManager = node ? node.Spec.Role === 'manager' : caller.peer.role === 'swarm-manager';
      role = wantManager ? 'swarm-manager' : 'swarm-worker';
    } else {
      const r = roleForToken(req.token ?? '', { worker: c.JoinTokens.Worker, manager: c.JoinTokens.Manager });
      if (!r.ok) return { ok: false, code: 'invalid_argument', message: r.message };
      role = r.role;
      nodeId = newId(this.opts.rng);
    }
    try {
      const certificateChainPem = await signNodeCsr(ca, req.csrPem, {
        nodeId,
        role,
        clusterId: c.ID,
        clock: this.opts.clock,
        intermediatesPem,
        ...(expiry !== undefined && { expiry }),
      });
      this.opts.logger.info(
        { node: nodeId, role, renewal: caller.peer !== undefined },
        'node certificate issued',
      );
      return {
        ok: true,
        nodeId,
        role: role === 'swarm-manager' ? 'manager' : 'worker',
        status: { state: 'issued', certificateChainPem },
      };
    } catch (e) {
      return { ok: false, code: 'invalid_argument', message: (e as Error).message };
    }
  }
}
