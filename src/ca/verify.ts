/**
 * Whether a peer's certificate makes it one of us, and as what. TLS already checked the
 * chain in the handshake; the RPC layer calls this on the peer certificate of every call
 * (grpc-js: `call.getAuthContext().sslPeerCertificate.raw`) to get the caller's node id and
 * role, and to refuse what the handshake cannot know: a node removed from the swarm, a
 * certificate from another swarm signed by... no one we trust, or one used out of its time.
 *
 * The checks and their messages follow Go's x509 and swarmkit's ca/auth.go:
 *   not signed by our root   x509: certificate signed by unknown authority
 *   outside its validity     x509: certificate has expired or is not yet valid: current time T is after|before U
 *   OU not a node role       Permission denied: remote certificate not part of OUs: [swarm-manager swarm-worker]
 *   removed node             Permission denied: node <id> was removed from swarm
 *   O is another cluster     Permission denied: remote certificate not part of organization: <cluster id>
 */
import { X509Certificate } from 'node:crypto';
import type { Clock } from '../base/clock.ts';
import { MANAGER_ROLE, type NodeCertRole, WORKER_ROLE } from './names.ts';
import { type NodeCert, parseNodeCert } from './node-cert.ts';
import { loadTrustRoot, type TrustRoot } from './root.ts';

export type PeerRefusal =
  | 'malformed'
  | 'unknown_authority'
  | 'expired'
  | 'not_yet_valid'
  | 'unknown_role'
  | 'removed'
  | 'wrong_cluster';

export type PeerVerdict =
  | { ok: true; nodeId: string; role: NodeCertRole; cert: NodeCert }
  | { ok: false; reason: PeerRefusal; message: string };

export interface VerifyPeerOptions {
  /**
   * The swarm's root CA, PEM (parsed once and cached) or already loaded; several during a
   * root rotation (the old root and the new one): a certificate signed by any is ours.
   */
  rootCertPem: string | TrustRoot | ReadonlyArray<string | TrustRoot>;
  /** Our cluster id: the O a member's certificate must carry. */
  clusterId: string;
  clock: Clock;
  /** True for node ids removed from the swarm (swarmkit's BlacklistedCertificates). */
  isRemoved?: (nodeId: string) => boolean;
}

/** Go's time.RFC3339 for UTC: no fractional seconds, `Z`. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function refuse(reason: PeerRefusal, message: string): PeerVerdict {
  return { ok: false, reason, message };
}

/** Verifies a peer certificate (PEM, DER, or parsed) for membership in our swarm. */
export function verifyPeer(peer: string | Uint8Array | NodeCert, opts: VerifyPeerOptions): PeerVerdict {
  let cert: NodeCert;
  try {
    cert = typeof peer === 'string' || peer instanceof Uint8Array ? parseNodeCert(peer) : peer;
  } catch {
    return refuse('malformed', 'failed to parse certificate PEM');
  }
  const given = Array.isArray(opts.rootCertPem) ? opts.rootCertPem : [opts.rootCertPem];
  const roots = (given as ReadonlyArray<string | TrustRoot>).map((r) =>
    typeof r === 'string' ? loadTrustRoot(r) : r,
  );
  if (!roots.some((root) => signedBy(cert, root)))
    return refuse('unknown_authority', 'x509: certificate signed by unknown authority');

  const now = opts.clock.wallNow();
  const invalid = 'x509: certificate has expired or is not yet valid: current time';
  if (now > cert.notAfter)
    return refuse('expired', `${invalid} ${rfc3339(now)} is after ${rfc3339(cert.notAfter)}`);
  if (now < cert.notBefore) {
    return refuse('not_yet_valid', `${invalid} ${rfc3339(now)} is before ${rfc3339(cert.notBefore)}`);
  }
  if (cert.role === null) {
    return refuse(
      'unknown_role',
      `Permission denied: remote certificate not part of OUs: [${MANAGER_ROLE} ${WORKER_ROLE}]`,
    );
  }
  if (opts.isRemoved?.(cert.nodeId)) {
    return refuse('removed', `Permission denied: node ${cert.nodeId} was removed from swarm`);
  }
  if (cert.clusterId !== opts.clusterId) {
    return refuse(
      'wrong_cluster',
      `Permission denied: remote certificate not part of organization: ${opts.clusterId}`,
    );
  }
  return { ok: true, nodeId: cert.nodeId, role: cert.role, cert };
}

const verified = new WeakMap<NodeCert, Map<string, boolean>>();

/**
 * The leaf's issuer name matches the root's subject and its signature verifies with the
 * root's key; a CA certificate is never accepted as a peer. Cached per parsed certificate.
 */
function signedBy(cert: NodeCert, root: TrustRoot): boolean {
  if (cert.isCa) return false;
  let byRoot = verified.get(cert);
  const hit = byRoot?.get(root.digest);
  if (hit !== undefined) return hit;
  let ok = false;
  try {
    const leaf = new X509Certificate(cert.der);
    ok = leaf.checkIssued(root.native) && leaf.verify(root.native.publicKey);
  } catch {
    ok = false;
  }
  if (byRoot === undefined) {
    byRoot = new Map();
    verified.set(cert, byRoot);
  }
  byRoot.set(root.digest, ok);
  return ok;
}
