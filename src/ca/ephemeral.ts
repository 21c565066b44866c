/**
 * An in-memory certificate authority for demos, benchmarks and tests: nothing written to
 * disk, certificates issued on demand and cached. The cluster CA (root.ts, sign.ts, join
 * tokens, renewal, the on-disk store) is the real one; never use this one for a cluster.
 *
 * Certificates follow the swarmkit convention the Raft transport relies on: CN = node id,
 * OU = role, O = cluster id; SANs carry the IPs and DNS names a peer is dialed by. The
 * building blocks (keys, serials, CA and leaf extensions) are shared with the cluster CA in
 * pki.ts.
 */
import { realClock } from '../base/clock.ts';
import {
  buildCaCert,
  buildLeafCert,
  certToPem,
  generateKeyPair,
  privateKeyToPem,
  randomSerial,
  secureRandomBytes,
  x509,
} from './pki.ts';

const DAY = 24 * 3600 * 1000;

export interface IssueOptions {
  /** Organizational unit: the role in Shoal (`swarm-manager`, `swarm-worker`). */
  ou?: string;
  /** Organization: the cluster id in Shoal. */
  o?: string;
  /** IP subject alternative names (default ['127.0.0.1']). */
  ips?: string[];
  dns?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

export interface IssuedCert {
  keyPem: string;
  certPem: string;
}

export interface EphemeralCa {
  /** The CA certificate, PEM: what every member trusts. */
  caPem: string;
  /**
   * Issues a certificate for both TLS client and server use. The same name and options
   * give the same certificate (issued once, then cached).
   */
  issue(cn: string, opts?: IssueOptions): Promise<IssuedCert>;
}

/** A new CA named `name` (its CN), valid 30 days; issued certificates are valid 7 days. */
export async function createEphemeralCa(name = 'Shoal Ephemeral CA'): Promise<EphemeralCa> {
  const caKeys = await generateKeyPair();
  const now = realClock.wallNow();
  const caCert = await buildCaCert({
    name: [{ CN: [name] }],
    keys: caKeys,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    serial: randomSerial(secureRandomBytes),
  });
  const cache = new Map<string, Promise<IssuedCert>>();

  async function issueNow(cn: string, opts: IssueOptions): Promise<IssuedCert> {
    const keys = await generateKeyPair();
    const subject: x509.JsonName = [{ CN: [cn] }];
    if (opts.ou !== undefined) subject.push({ OU: [opts.ou] });
    if (opts.o !== undefined) subject.push({ O: [opts.o] });
    const cert = await buildLeafCert({
      subject,
      publicKey: keys.publicKey,
      issuer: caCert,
      signingKey: caKeys.privateKey,
      notBefore: opts.notBefore ?? new Date(now - DAY),
      notAfter: opts.notAfter ?? new Date(now + 7 * DAY),
      serial: randomSerial(secureRandomBytes),
      sans: [
        ...(opts.ips ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
        ...(opts.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
      ],
      keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
    });
    return { keyPem: await privateKeyToPem(keys.privateKey), certPem: certToPem(cert) };
  }

  return {
    caPem: certToPem(caCert),
    issue(cn, opts = {}) {
      const key = JSON.stringify([cn, opts]);
      let p = cache.get(key);
      if (p === undefined) {
        p = issueNow(cn, opts);
        cache.set(key, p);
      }
      return p;
    },
  };
}
