/**
 * Reading a node certificate: who it names (CN = node id), as what (OU = role), in which
 * swarm (O = cluster id), for how long, and who issued it. Parsing is synchronous and
 * checks nothing beyond well-formedness: verify.ts decides whether to trust it.
 */
import { createHash } from 'node:crypto';
import { CertificateError } from './errors.ts';
import { isNodeCertRole, type NodeCertRole } from './names.ts';
import { decodePem } from './pem.ts';
import { x509 } from './pki.ts';

export interface NodeCert {
  /** Subject CN: the node id. */
  readonly nodeId: string;
  /** Subject OU when it is one of ours, else null (see `ou` for the raw values). */
  readonly role: NodeCertRole | null;
  readonly ou: readonly string[];
  /** Subject O: the cluster id ('' when absent). */
  readonly clusterId: string;
  /** Validity, epoch ms. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** Hex serial number. */
  readonly serial: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly isCa: boolean;
  /** Extended key usages by name (`serverAuth`, `clientAuth`) or OID. */
  readonly extKeyUsage: readonly string[];
  readonly issuer: {
    /** The issuer's distinguished name, RFC 4514 text (`CN=swarm-ca`). */
    readonly name: string;
    /** Base64 DER of the issuer name: the Engine API's CertIssuerSubject. */
    readonly subjectBase64: string;
    /** Authority key identifier (hex): the issuing key's SHA-1 key id, when present. */
    readonly keyId: string | null;
  };
  /** SHA-256 of the DER, colon-separated upper-case hex (as node:tls reports it). */
  readonly fingerprint256: string;
  readonly der: Uint8Array;
  readonly cert: x509.X509Certificate;
}

const EKU_NAMES: Record<string, string> = {
  [x509.ExtendedKeyUsage.serverAuth]: 'serverAuth',
  [x509.ExtendedKeyUsage.clientAuth]: 'clientAuth',
};

function toDer(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string') return new Uint8Array(input);
  return decodePem(input, 'CERTIFICATE').bytes;
}

const CACHE_SIZE = 512;
const cache = new Map<string, NodeCert>();

/**
 * Parses a certificate given as PEM or DER. Throws CertificateError if it is not one.
 * Parsing costs about a millisecond, and a peer presents the same certificate on every
 * call, so results are cached (least recently used, 512 certificates) and frozen.
 */
export function parseNodeCert(input: string | Uint8Array): NodeCert {
  const key = typeof input === 'string' ? input : Buffer.from(input).toString('base64');
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = Object.freeze(parseNow(input));
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, parsed);
  return parsed;
}

function parseNow(input: string | Uint8Array): NodeCert {
  let cert: x509.X509Certificate;
  let der: Uint8Array;
  try {
    der = toDer(input);
    cert = new x509.X509Certificate(der);
  } catch (e) {
    throw new CertificateError('failed to parse certificate PEM', 'invalid_argument', { cause: e });
  }
  const subject = cert.subjectName;
  const ou = subject.getField('OU');
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  const first = ou.find(isNodeCertRole);
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return {
    nodeId: subject.getField('CN')[0] ?? '',
    role: first ?? null,
    ou,
    clusterId: subject.getField('O')[0] ?? '',
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
    serial: cert.serialNumber,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    isCa: bc?.ca ?? false,
    extKeyUsage: Array.from(eku?.usages ?? [], (u) => EKU_NAMES[String(u)] ?? String(u)),
    issuer: {
      name: cert.issuer,
      subjectBase64: Buffer.from(cert.issuerName.toArrayBuffer()).toString('base64'),
      keyId: aki?.keyId ?? null,
    },
    fingerprint256: hex.replace(/(..)(?!$)/g, '$1:'),
    der,
    cert,
  };
}
