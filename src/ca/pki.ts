/**
 * The certificate-building primitives every CA in src/ca shares (the cluster CA in root.ts
 * and sign.ts, the demo CA in ephemeral.ts): ECDSA P-256 keys from node:crypto's WebCrypto,
 * X.509 from @peculiar/x509, random serial numbers, and a self-signed CA and a leaf
 * certificate with the extensions Go's TLS (and so the docker CLI) expects.
 *
 * Key generation always uses the platform's CSPRNG (WebCrypto cannot be seeded). Serial
 * numbers and join-token secrets take a `RandomBytes` source so tests can pin them; the
 * default is the CSPRNG, and the seeded simulation Rng is only adapted in explicitly.
 */
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Rng } from '../base/rng.ts';
import { encodePem } from './pem.ts';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const subtle = webcrypto.subtle;
// x509's `Crypto` is the DOM type, absent from our lib: node's webcrypto implements it.
x509.cryptoProvider.set(webcrypto as never);

/** ECDSA over P-256 with SHA-256: swarmkit's RootKeyAlgo/RootKeySize and node keys. */
export const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** `n` random bytes. Security-relevant (serials, token secrets): default is the CSPRNG. */
export type RandomBytes = (n: number) => Uint8Array;

export const secureRandomBytes: RandomBytes = (n) => webcrypto.getRandomValues(new Uint8Array(n));

/**
 * Adapts a seeded simulation Rng to RandomBytes: reproducible, and NOT secret. For tests and
 * the simulator only; a token secret drawn from it could be guessed from the seed.
 */
export function insecureRandomBytesFrom(rng: Rng): RandomBytes {
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.int(0, 256);
    return out;
  };
}

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 `PRIVATE KEY` PEM (what swarmkit writes for node keys; Go's tls accepts it). */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return encodePem('PRIVATE KEY', new Uint8Array(await subtle.exportKey('pkcs8', key)));
}

/** Imports a PKCS#8 or SEC1 (`EC PRIVATE KEY`) P-256 key for signing. */
export async function importSigningKey(keyPem: string): Promise<CryptoKey> {
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  return subtle.importKey('pkcs8', der, ECDSA_P256, false, ['sign']);
}

/** The DER SubjectPublicKeyInfo of a private key, to compare with a certificate's. */
export function publicKeyDerOf(keyPem: string): Buffer {
  return createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
}

/** A positive random serial number, 16 bytes, hex. */
export function randomSerial(random: RandomBytes): string {
  const b = random(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01; // positive, and never a leading zero byte
  return Buffer.from(b).toString('hex');
}

/** A certificate as PEM the way Go writes it (64-column lines, final newline). */
export function certToPem(cert: x509.X509Certificate): string {
  return encodePem('CERTIFICATE', new Uint8Array(cert.rawData));
}

export interface CaCertParams {
  name: x509.JsonName;
  keys: CryptoKeyPair;
  notBefore: Date;
  notAfter: Date;
  serial: string;
}

/** A self-signed CA: basic constraints CA (critical), keyCertSign + cRLSign, SKI. */
export async function buildCaCert(p: CaCertParams): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: p.serial,
    name: p.name,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    keys: p.keys,
    signingAlgorithm: ECDSA_P256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(p.keys.publicKey),
    ],
  });
}

export interface LeafCertParams {
  subject: x509.JsonName;
  /** The certified key: a CryptoKey or a DER/PEM SubjectPublicKeyInfo (from a CSR). */
  publicKey: x509.PublicKeyType;
  issuer: x509.X509Certificate;
  signingKey: CryptoKey;
  notBefore: Date;
  notAfter: Date;
  serial: string;
  sans: x509.JsonGeneralName[];
  /** Key usage flags (critical); EKU is always serverAuth + clientAuth. */
  keyUsage: number;
}

/** A TLS leaf for both client and server use, signed by `issuer`, with AKI/SKI. */
export async function buildLeafCert(p: LeafCertParams): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: p.serial,
    subject: p.subject,
    issuer: p.issuer.subjectName,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: p.publicKey,
    signingKey: p.signingKey,
    signingAlgorithm: ECDSA_P256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(p.keyUsage, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(p.sans),
      await x509.AuthorityKeyIdentifierExtension.create(p.issuer.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(p.publicKey),
    ],
  });
}

export { x509 };
