/**
 * Mutual TLS for the Raft transport: server and channel credentials from PEM material,
 * and the peer's certificate reduced to what identity checks need (PeerInfo).
 *
 * Both ends verify the other against the cluster CA. Beyond the chain, an optional
 * `authorize` hook decides (role, cluster id: swarmkit's OU and O) and, by default, a
 * peer's member id is its certificate's CN, so a stream's messages must come `from` that
 * id and a dialed server must present the id it was dialed for.
 */
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

export interface TlsMaterial {
  /** Private key, PEM. */
  key: string;
  /** Certificate chain, PEM (leaf first). */
  cert: string;
  /** CA certificates trusted for peers, PEM. */
  ca: string;
}

/** A verified peer certificate, reduced to the fields identity checks use. */
export interface PeerInfo {
  /** Subject common name: the node id in Shoal. */
  cn: string;
  /** Organizational units: the role (`swarm-manager`). */
  ou: string[];
  /** Organizations: the cluster id. */
  o: string[];
  ips: string[];
  dns: string[];
  /** The certificate itself, PEM, for checks that need more. */
  pem: string;
  /** SHA-256 fingerprint, colon-separated hex (as node:tls reports it). */
  fingerprint256: string;
}

/** Returns null when the peer is allowed, otherwise the reason it is refused. */
export type AuthorizePeer = (peer: PeerInfo) => string | null;

function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function sanValues(san: string | undefined, prefix: string): string[] {
  if (!san) return [];
  return san
    .split(', ')
    .filter((s) => s.startsWith(prefix))
    .map((s) => s.slice(prefix.length));
}

export function peerInfoFromCertificate(cert: PeerCertificate): PeerInfo {
  const subject = (cert.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  return {
    cn: values(subject.CN)[0] ?? '',
    ou: values(subject.OU),
    o: values(subject.O),
    ips: sanValues(cert.subjectaltname, 'IP Address:'),
    dns: sanValues(cert.subjectaltname, 'DNS:'),
    pem: new X509Certificate(cert.raw).toString(),
    fingerprint256: cert.fingerprint256,
  };
}

/** The server requires a client certificate and verifies it against `tls.ca`. */
export function serverCredentials(tls: TlsMaterial): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(
    Buffer.from(tls.ca),
    [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }],
    true,
  );
}

/**
 * Client credentials presenting our certificate and verifying the server's: the chain
 * against `tls.ca`, then (if `verifyHostname`) the name grpc-js hands over (the dialed
 * host, or 'grpc.ssl_target_name_override'), then `check` on the peer. A refusal fails the
 * handshake, so calls fail UNAVAILABLE.
 */
export function channelCredentials(
  tls: TlsMaterial,
  verifyHostname: boolean,
  check: (peer: PeerInfo) => string | null,
): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(tls.ca), Buffer.from(tls.key), Buffer.from(tls.cert), {
    // Replaces node's default check entirely: call it ourselves when names matter.
    checkServerIdentity(hostname, cert) {
      if (verifyHostname) {
        const err = checkServerIdentity(hostname, cert);
        if (err !== undefined) return err;
      }
      const refusal = check(peerInfoFromCertificate(cert));
      return refusal === null ? undefined : new Error(`server refused: ${refusal}`);
    },
  });
}
