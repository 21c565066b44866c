/**
 * An in-memory certificate authority for demos, benchmarks and tests: ECDSA P-256 keys
 * from node:crypto's WebCrypto, certificates from @peculiar/x509, nothing written to disk.
 * The persistent cluster CA (root key on disk, CSR signing, join tokens, renewal) comes
 * later in src/ca/; never use this one for a real cluster.
 *
 * Certificates follow the swarmkit convention the Raft transport relies on: CN = node id,
 * OU = role, O = cluster id; SANs carry the IPs and DNS names a peer is dialed by.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const crypto = webcrypto;
// x509's `Crypto` is the DOM type, absent from our lib: node's webcrypto implements it.
x509.cryptoProvider.set(crypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
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

async function keyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function serial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0] ?? 0) & 0x7f; // positive
  return Buffer.from(b).toString('hex');
}

/** A new CA named `name` (its CN), valid 30 days; issued certificates are valid 7 days. */
export async function createEphemeralCa(name = 'Shoal Ephemeral CA'): Promise<EphemeralCa> {
  const caKeys = await keyPair();
  const now = Date.now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [name] }],
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const issuerAki = await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey);
  const cache = new Map<string, Promise<IssuedCert>>();

  async function issueNow(cn: string, opts: IssueOptions): Promise<IssuedCert> {
    const keys = await keyPair();
    const subject: x509.JsonName = [{ CN: [cn] }];
    if (opts.ou !== undefined) subject.push({ OU: [opts.ou] });
    if (opts.o !== undefined) subject.push({ O: [opts.o] });
    const sans: x509.JsonGeneralName[] = [
      ...(opts.ips ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
      ...(opts.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: caCert.subject,
      notBefore: opts.notBefore ?? new Date(now - DAY),
      notAfter: opts.notAfter ?? new Date(now + 7 * DAY),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension(sans),
        issuerAki,
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { keyPem: await privateKeyPem(keys.privateKey), certPem: cert.toString('pem') };
  }

  return {
    caPem: caCert.toString('pem'),
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
