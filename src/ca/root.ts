/**
 * The swarm's root of trust. `createRootCa` makes the self-signed ECDSA P-256 root
 * (CN "swarm-ca", 20 years) at `swarm init`; `loadTrustRoot` parses a root certificate into
 * what verification needs and checks it is a usable, self-signed CA (swarmkit NewRootCA);
 * `rootDigest` is the SHA-256 of the root's PEM bytes, the digest a join token carries.
 *
 * The digest covers the PEM bytes exactly as stored and served (swarmkit hashes
 * RootCA.Certs, the PEM bundle, not the DER), so the root PEM must travel verbatim: never
 * re-encode it between the manager that serves it and the node that checks it.
 */
import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import type { Clock } from '../base/clock.ts';
import { CertificateError } from './errors.ts';
import { CERT_BACKDATE_MS, ROOT_CA_EXPIRY_MS, ROOT_CN } from './names.ts';
import { decodePemAll } from './pem.ts';
import {
  buildCaCert,
  certToPem,
  generateKeyPair,
  privateKeyToPem,
  publicKeyDerOf,
  type RandomBytes,
  randomSerial,
  secureRandomBytes,
  x509,
} from './pki.ts';

/** A root CA's certificate and private key, PEM. The key never leaves the managers. */
export interface RootCaMaterial {
  certPem: string;
  keyPem: string;
}

export interface CreateRootCaOptions {
  clock: Clock;
  /** Source of the serial number (default: the CSPRNG). */
  random?: RandomBytes;
  /** Lifetime in ms (default 20 years). */
  expiry?: number;
  /** Common name (default "swarm-ca"). */
  cn?: string;
}

export async function createRootCa(opts: CreateRootCaOptions): Promise<RootCaMaterial> {
  const now = opts.clock.wallNow();
  const keys = await generateKeyPair();
  const cert = await buildCaCert({
    name: [{ CN: [opts.cn ?? ROOT_CN] }],
    keys,
    notBefore: new Date(now - CERT_BACKDATE_MS),
    notAfter: new Date(now + (opts.expiry ?? ROOT_CA_EXPIRY_MS)),
    serial: randomSerial(opts.random ?? secureRandomBytes),
  });
  return { certPem: certToPem(cert), keyPem: await privateKeyToPem(keys.privateKey) };
}

/** A parsed root certificate: what signature checks and TLS info need. */
export interface TrustRoot {
  /** The PEM exactly as given. */
  pem: string;
  /** Hex SHA-256 of `pem`'s bytes: the join token's digest. */
  digest: string;
  cert: x509.X509Certificate;
  native: NodeX509;
  notBefore: number;
  notAfter: number;
  /** Base64 DER of the subject and public key: the Engine API's TLSInfo fields. */
  subjectBase64: string;
  publicKeyBase64: string;
}

/** Hex SHA-256 of the root certificate's PEM bytes, as swarmkit's RootCA.Digest. */
export function rootDigest(rootCertPem: string): string {
  return createHash('sha256').update(rootCertPem, 'utf8').digest('hex');
}

const cache = new Map<string, TrustRoot>();

/**
 * Parses and checks a root certificate: exactly one CERTIFICATE block, a CA, self-signed
 * with ECDSA or RSA and SHA-256 or better. Throws CertificateError otherwise. Results are
 * cached by PEM (a handful), so passing the PEM on every call is cheap.
 */
export function loadTrustRoot(rootCertPem: string): TrustRoot {
  const hit = cache.get(rootCertPem);
  if (hit !== undefined) return hit;
  const blocks = decodePemAll(rootCertPem).filter((b) => b.type === 'CERTIFICATE');
  if (blocks.length !== 1) {
    throw new CertificateError(
      blocks.length === 0 ? 'no valid root CA certificates found' : 'root CA bundles are not supported',
    );
  }
  let cert: x509.X509Certificate;
  let native: NodeX509;
  try {
    const der = (blocks[0] as { bytes: Uint8Array }).bytes;
    cert = new x509.X509Certificate(der);
    native = new NodeX509(der);
  } catch (e) {
    throw new CertificateError('invalid root certificates', 'invalid_argument', { cause: e });
  }
  const alg = cert.signatureAlgorithm as { name?: string; hash?: { name?: string } };
  if (!['ECDSA', 'RSASSA-PKCS1-v1_5'].includes(alg.name ?? '') || alg.hash?.name === 'SHA-1') {
    throw new CertificateError(`unsupported signature algorithm: ${alg.name ?? 'unknown'}`);
  }
  if (!native.ca) throw new CertificateError('error while validating Root CA Certificate: not a CA');
  if (!native.checkIssued(native) || !native.verify(native.publicKey)) {
    throw new CertificateError('error while validating Root CA Certificate: not self-signed');
  }
  const root: TrustRoot = {
    pem: rootCertPem,
    digest: rootDigest(rootCertPem),
    cert,
    native,
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
    subjectBase64: Buffer.from(cert.subjectName.toArrayBuffer()).toString('base64'),
    publicKeyBase64: Buffer.from(cert.publicKey.rawData).toString('base64'),
  };
  if (cache.size >= 8) cache.delete(cache.keys().next().value as string);
  cache.set(rootCertPem, root);
  return root;
}

/**
 * Checks that a root CA's key belongs to its certificate and that it can sign (swarmkit
 * newLocalSigner's ensureCertKeyMatch). Throws CertificateError otherwise.
 */
export function checkRootCaMaterial(ca: RootCaMaterial): TrustRoot {
  const root = loadTrustRoot(ca.certPem);
  let keyDer: Buffer;
  try {
    keyDer = publicKeyDerOf(ca.keyPem);
  } catch (e) {
    throw new CertificateError('malformed private key', 'invalid_argument', { cause: e });
  }
  if (!keyDer.equals(Buffer.from(root.cert.publicKey.rawData))) {
    throw new CertificateError('certificate key mismatch');
  }
  return root;
}

/** The Engine API's TLSInfo for a cluster or node trusting this root. */
export function tlsInfoOf(rootCertPem: string): {
  TrustRoot: string;
  CertIssuerSubject: string;
  CertIssuerPublicKey: string;
} {
  const root = loadTrustRoot(rootCertPem);
  return {
    TrustRoot: root.pem,
    CertIssuerSubject: root.subjectBase64,
    CertIssuerPublicKey: root.publicKeyBase64,
  };
}
