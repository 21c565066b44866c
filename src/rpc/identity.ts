/**
 * Who is calling: the verified client certificate of a cluster RPC call, reduced to what
 * authorization needs. Shoal follows swarmkit's certificates: CN = node id, OU = role
 * (`swarm-manager` / `swarm-worker`), O = cluster id; DNS SANs carry the role name and the
 * node id, so a node can be dialed by address and verified by name.
 *
 * The chain was verified in the TLS handshake (grpc-js reports a certificate only for a
 * socket node:tls marked authorized); this module only reads it.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { NodeRole } from '../api/node.ts';
import { peerInfoFromCertificate } from '../raft/transport/tls.ts';

export const MANAGER_ROLE = 'swarm-manager';
export const WORKER_ROLE = 'swarm-worker';

export interface PeerIdentity {
  /** The node id (certificate CN). */
  nodeId: string;
  /** The certificate's role (OU): `swarm-manager` or `swarm-worker`; '' when absent. */
  role: string;
  /** The cluster id (O); '' when absent. */
  clusterId: string;
  /** The leaf certificate, PEM, for checks that need more (the CA library's). */
  certPem: string;
  /** SHA-256 fingerprint, colon-separated hex (as node:tls reports it). */
  fingerprint: string;
  /** When the certificate expires, ms since the epoch. */
  notAfter: number;
}

/** The node role a certificate role names, if it is one. */
export function nodeRole(certRole: string): NodeRole | undefined {
  if (certRole === MANAGER_ROLE) return 'manager';
  if (certRole === WORKER_ROLE) return 'worker';
  return undefined;
}

/** The certificate role (OU) for a node role. */
export function certRole(role: NodeRole): string {
  return role === 'manager' ? MANAGER_ROLE : WORKER_ROLE;
}

const CACHE_MAX = 1024;
const cache = new Map<string, PeerIdentity>();

/**
 * The identity in a verified peer certificate. Parsing costs a few tens of microseconds;
 * identities are cached by fingerprint (bounded), since one node makes many calls.
 */
export function peerIdentity(cert: PeerCertificate): PeerIdentity {
  const hit = cache.get(cert.fingerprint256);
  if (hit !== undefined) return hit;
  const info = peerInfoFromCertificate(cert);
  const id: PeerIdentity = {
    nodeId: info.cn,
    role: info.ou[0] ?? '',
    clusterId: info.o[0] ?? '',
    certPem: info.pem,
    fingerprint: info.fingerprint256,
    notAfter: Date.parse(cert.valid_to),
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(cert.fingerprint256, id);
  return id;
}

/** The identity in a PEM certificate (tests, and a node reading its own certificate). */
export function identityFromPem(pem: string): PeerIdentity {
  const x = new X509Certificate(pem);
  const field = (name: string): string => {
    const line = x.subject.split('\n').find((l) => l.startsWith(`${name}=`));
    return line === undefined ? '' : line.slice(name.length + 1);
  };
  return {
    nodeId: field('CN'),
    role: field('OU'),
    clusterId: field('O'),
    certPem: x.toString(),
    fingerprint: x.fingerprint256,
    notAfter: Date.parse(x.validTo),
  };
}
