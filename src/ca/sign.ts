/**
 * The CA side of issuance: sign a node's CSR into a certificate the whole swarm trusts.
 * Only the CSR's public key is used (after checking the CSR's self-signature, i.e. that the
 * requester holds the key); the subject comes from the caller, as swarmkit's signing
 * policy does: CN = node id, OU = role, O = cluster id, DNS SANs = [role, node id] plus
 * "swarm-ca" for managers (PrepareCSR in ca/certificates.go), key usage digitalSignature +
 * keyEncipherment (critical), EKU serverAuth + clientAuth, valid from one hour before now
 * until now + expiry (never past the root's own expiry).
 */
import { createPublicKey } from 'node:crypto';
import type { Clock } from '../base/clock.ts';
import { ShoalError } from '../base/errors.ts';
import { createCsr } from './csr.ts';
import { CsrError } from './errors.ts';
import {
  backdateFor,
  CA_ROLE,
  DEFAULT_NODE_CERT_EXPIRY_MS,
  isCertName,
  isNodeCertRole,
  MANAGER_ROLE,
  MIN_EXPIRY_MESSAGE,
  MIN_NODE_CERT_EXPIRY_MS,
  type NodeCertRole,
} from './names.ts';
import {
  buildLeafCert,
  certToPem,
  importSigningKey,
  type RandomBytes,
  randomSerial,
  secureRandomBytes,
  x509,
} from './pki.ts';
import { checkRootCaMaterial, type RootCaMaterial } from './root.ts';

export interface SignOptions {
  nodeId: string;
  role: NodeCertRole;
  clusterId: string;
  /** Lifetime in ms (default 90 days; at least one hour). */
  expiry?: number;
  clock: Clock;
  /** Source of the serial number (default: the CSPRNG). */
  random?: RandomBytes;
  /**
   * Certificates appended to the issued chain, PEM: during a root rotation, the new root
   * cross-signed by the old one, so peers trusting either root verify the chain.
   */
  intermediatesPem?: string;
}

function checkOptions(opts: SignOptions): void {
  if (!isNodeCertRole(opts.role)) {
    throw new CsrError(`invalid node role "${String(opts.role)}": expected swarm-manager or swarm-worker`);
  }
  if (!isCertName(opts.nodeId)) throw new CsrError(`invalid node id "${opts.nodeId}"`);
  if (!isCertName(opts.clusterId)) throw new CsrError(`invalid cluster id "${opts.clusterId}"`);
  const expiry = opts.expiry ?? DEFAULT_NODE_CERT_EXPIRY_MS;
  if (!Number.isFinite(expiry) || expiry < MIN_NODE_CERT_EXPIRY_MS) {
    throw new ShoalError('invalid_argument', MIN_EXPIRY_MESSAGE);
  }
}

async function parseCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (e) {
    throw new CsrError('invalid certificate signing request: cannot parse it', { cause: e });
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw new CsrError('invalid certificate signing request: bad signature');
  const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  const d = key.asymmetricKeyDetails ?? {};
  const fine =
    (key.asymmetricKeyType === 'ec' &&
      ['prime256v1', 'secp384r1', 'secp521r1'].includes(d.namedCurve ?? '')) ||
    (key.asymmetricKeyType === 'rsa' && (d.modulusLength ?? 0) >= 2048);
  if (!fine) {
    throw new CsrError(
      `invalid certificate signing request: unsupported key (${key.asymmetricKeyType ?? '?'} ${d.namedCurve ?? d.modulusLength ?? ''})`,
    );
  }
  return csr;
}

/** Signs a node's CSR with the root CA. Throws CsrError / ShoalError on refused input. */
export async function signNodeCsr(ca: RootCaMaterial, csrPem: string, opts: SignOptions): Promise<string> {
  checkOptions(opts);
  const root = checkRootCaMaterial(ca);
  const csr = await parseCsr(csrPem);
  const now = opts.clock.wallNow();
  const notAfter = Math.min(now + (opts.expiry ?? DEFAULT_NODE_CERT_EXPIRY_MS), root.notAfter);
  const dns = [opts.role, opts.nodeId, ...(opts.role === MANAGER_ROLE ? [CA_ROLE] : [])];
  const cert = await buildLeafCert({
    // Go's pkix.Name order: O, OU, CN.
    subject: [{ O: [opts.clusterId] }, { OU: [opts.role] }, { CN: [opts.nodeId] }],
    publicKey: csr.publicKey,
    issuer: root.cert,
    signingKey: await importSigningKey(ca.keyPem),
    notBefore: new Date(now - backdateFor(notAfter - now)),
    notAfter: new Date(notAfter),
    serial: randomSerial(opts.random ?? secureRandomBytes),
    sans: dns.map((value) => ({ type: 'dns' as const, value })),
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
  });
  return certToPem(cert) + (opts.intermediatesPem ?? '');
}

/**
 * Key and certificate made on a node that holds the root key itself (the first manager at
 * `swarm init`; swarmkit IssueAndSaveNewCertificates): a CSR signed on the spot.
 */
export async function issueNodeCertificate(
  ca: RootCaMaterial,
  opts: SignOptions,
): Promise<{ certPem: string; keyPem: string }> {
  const { csrPem, keyPem } = await createCsr({ nodeId: opts.nodeId });
  return { certPem: await signNodeCsr(ca, csrPem, opts), keyPem };
}
