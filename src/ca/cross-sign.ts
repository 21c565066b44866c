/**
 * Cross-signing for root rotation (swarmkit RootCA.CrossSignCACertificate): the new root's
 * key and subject certified by the old root. A leaf issued by the new key, sent with this
 * intermediate, verifies against either root: directly against the new one (the leaf's
 * AKI names the new key), through the intermediate against the old one. So nodes that
 * still trust only the old root accept certificates issued during the rotation.
 *
 * Also here: which key issued a node's certificate (the Engine API's TLSInfo
 * CertIssuerSubject / CertIssuerPublicKey, swarmkit IssuerInfo), read from its chain.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';
import type { Clock } from '../base/clock.ts';
import { CertificateError } from './errors.ts';
import { decodePemAll } from './pem.ts';
import {
  certToPem,
  ECDSA_P256,
  importSigningKey,
  type RandomBytes,
  randomSerial,
  secureRandomBytes,
  x509,
} from './pki.ts';
import { checkRootCaMaterial, loadTrustRoot, type RootCaMaterial } from './root.ts';

export interface CrossSignOptions {
  clock: Clock;
  random?: RandomBytes;
}

/**
 * An intermediate CA certificate: subject and public key of `newRootPem`, issued and
 * signed by `oldCa`, valid as long as both roots are. Refuses a new root with the old
 * root's key (Go's verifier, and ours, cannot tell such chains apart).
 */
export async function crossSignRoot(
  oldCa: RootCaMaterial,
  newRootPem: string,
  opts: CrossSignOptions,
): Promise<string> {
  const old = checkRootCaMaterial(oldCa);
  const next = loadTrustRoot(newRootPem);
  if (next.publicKeyBase64 === old.publicKeyBase64) {
    throw new CertificateError('Cannot update to a cert with an identical key');
  }
  const notAfter = Math.min(next.notAfter, old.notAfter);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(opts.random ?? secureRandomBytes),
    subject: next.cert.subjectName,
    issuer: old.cert.subjectName,
    notBefore: new Date(Math.max(next.notBefore, old.notBefore)),
    notAfter: new Date(notAfter),
    publicKey: next.cert.publicKey,
    signingKey: await importSigningKey(oldCa.keyPem),
    signingAlgorithm: ECDSA_P256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(next.cert.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(old.cert.publicKey),
    ],
  });
  return certToPem(cert);
}

/** Base64 DER of an issuer's subject and public key (Engine API TLSInfo fields). */
export interface IssuerInfo {
  subjectBase64: string;
  publicKeyBase64: string;
}

/** The issuer a root stands for: its own subject and key. */
export function issuerOfRoot(rootPem: string): IssuerInfo {
  const r = loadTrustRoot(rootPem);
  return { subjectBase64: r.subjectBase64, publicKeyBase64: r.publicKeyBase64 };
}

/** The CERTIFICATE blocks of a PEM bundle, each re-encoded as its own PEM. */
export function splitCertificates(pem: string): string[] {
  return decodePemAll(pem)
    .filter((b) => b.type === 'CERTIFICATE')
    .map((b) => certToPem(new x509.X509Certificate(b.bytes)));
}

/**
 * Who issued the leaf of `chainPem`: the next certificate of the chain that signed it, or
 * else the trust root that did (swarmkit's IssuerInfo of a node's TLS certificate).
 * Throws CertificateError when neither did.
 */
export function issuerOfChain(chainPem: string, trustRootsPem: readonly string[]): IssuerInfo {
  const blocks = decodePemAll(chainPem).filter((b) => b.type === 'CERTIFICATE');
  if (blocks.length === 0) throw new CertificateError('no certificate in the chain');
  const leaf = new NodeX509((blocks[0] as { bytes: Uint8Array }).bytes);
  const candidates = [
    ...blocks.slice(1).map((b) => new NodeX509(b.bytes)),
    ...trustRootsPem.map((p) => loadTrustRoot(p).native),
  ];
  for (const c of candidates) {
    if (leaf.checkIssued(c) && leaf.verify(c.publicKey)) {
      const parsed = new x509.X509Certificate(c.raw);
      return {
        subjectBase64: Buffer.from(parsed.subjectName.toArrayBuffer()).toString('base64'),
        publicKeyBase64: Buffer.from(parsed.publicKey.rawData).toString('base64'),
      };
    }
  }
  throw new CertificateError('x509: certificate signed by unknown authority');
}

export function sameIssuer(a: IssuerInfo | undefined, b: IssuerInfo | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.subjectBase64 === b.subjectBase64 &&
    a.publicKeyBase64 === b.publicKeyBase64
  );
}

/**
 * Does `chainPem` (leaf first, intermediates after) chain to one of `rootsPem`? Checks
 * names and signatures, and that each intermediate is a CA; not validity periods (the
 * TLS handshake and verifyPeer do those).
 */
export function chainsTo(chainPem: string, rootsPem: readonly string[]): boolean {
  const certs = decodePemAll(chainPem)
    .filter((b) => b.type === 'CERTIFICATE')
    .map((b) => new NodeX509(b.bytes));
  const roots = rootsPem.map((p) => loadTrustRoot(p).native);
  const [leaf, ...rest] = certs;
  if (leaf === undefined) return false;
  const signedBy = (c: NodeX509, by: NodeX509) => c.checkIssued(by) && c.verify(by.publicKey);
  const walk = (c: NodeX509, depth: number): boolean => {
    if (roots.some((r) => signedBy(c, r))) return true;
    if (depth > rest.length) return false;
    return rest.some((i) => i !== c && i.ca && signedBy(c, i) && walk(i, depth + 1));
  };
  return walk(leaf, 0);
}
