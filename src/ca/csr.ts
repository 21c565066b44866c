/**
 * The node side of getting a certificate: a fresh ECDSA P-256 key that never leaves the
 * node, and a PKCS#10 request proving possession of it. The CA trusts nothing else in the
 * request (swarmkit's CSRWhitelist keeps only the public key and algorithms): identity,
 * role and cluster come from the CA's own records, so the subject here is a courtesy.
 */
import { ECDSA_P256, generateKeyPair, privateKeyToPem, x509 } from './pki.ts';

export interface NodeCsr {
  csrPem: string;
  /** The new private key, PKCS#8 PEM. Keep it on the node; store it with the certificate. */
  keyPem: string;
}

export interface CreateCsrOptions {
  /** The node id to name in the subject CN, when known (renewals); joins leave it empty. */
  nodeId?: string;
}

export async function createCsr(opts: CreateCsrOptions = {}): Promise<NodeCsr> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    ...(opts.nodeId !== undefined ? { name: [{ CN: [opts.nodeId] }] } : {}),
    keys,
    signingAlgorithm: ECDSA_P256,
  });
  return { csrPem: csr.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}
