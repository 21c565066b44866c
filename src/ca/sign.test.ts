/**
 * The root CA and node certificates carry swarmkit's fields (CN/OU/O, SANs, key usages,
 * validity, P-256), and signing refuses what swarmkit's CA refuses.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCsr } from './csr.ts';
import { CsrError } from './errors.ts';
import {
  CERT_BACKDATE_MS,
  DEFAULT_NODE_CERT_EXPIRY_MS,
  MIN_EXPIRY_MESSAGE,
  ROOT_CA_EXPIRY_MS,
} from './names.ts';
import { parseNodeCert } from './node-cert.ts';
import { x509 } from './pki.ts';
import { checkRootCaMaterial, createRootCa, loadTrustRoot, tlsInfoOf } from './root.ts';
import { issueNodeCertificate, type SignOptions, signNodeCsr } from './sign.ts';
import { CLUSTER, sharedRoot, virtualClock } from './testkit.ts';

const { clock } = virtualClock();
const NOW = clock.wallNow();
const opts = (o: Partial<SignOptions> = {}): SignOptions => ({
  nodeId: 'n0d3',
  role: 'swarm-manager',
  clusterId: CLUSTER,
  clock,
  ...o,
});

describe('createRootCa', () => {
  it('is a self-signed ECDSA P-256 CA named swarm-ca, valid 20 years', async () => {
    const root = await sharedRoot();
    const cert = new X509Certificate(root.certPem);
    assert.equal(cert.subject, 'CN=swarm-ca');
    assert.equal(cert.issuer, 'CN=swarm-ca');
    assert.ok(cert.ca);
    assert.ok(cert.verify(cert.publicKey));
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const t = loadTrustRoot(root.certPem);
    assert.equal(t.notBefore, NOW - CERT_BACKDATE_MS);
    assert.equal(t.notAfter, NOW + ROOT_CA_EXPIRY_MS);
    const ku = t.cert.getExtension(x509.KeyUsagesExtension);
    assert.equal(ku?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    assert.ok(ku?.critical);
    assert.ok(checkRootCaMaterial(root));
    assert.match(root.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(
      root.certPem,
      /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]*\n-----END CERTIFICATE-----\n$/,
    );
  });

  it("gives the Engine API's TLSInfo and refuses a key that is not the root's", async () => {
    const root = await sharedRoot();
    const info = tlsInfoOf(root.certPem);
    assert.equal(info.TrustRoot, root.certPem);
    assert.equal(Buffer.from(info.CertIssuerSubject, 'base64').length > 0, true);
    const other = await createRootCa({ clock });
    assert.throws(() => checkRootCaMaterial({ certPem: root.certPem, keyPem: other.keyPem }), /key mismatch/);
  });
});

describe('signNodeCsr', () => {
  it('names the node, role and cluster; SANs, usages and validity as swarmkit', async () => {
    const root = await sharedRoot();
    const csr = await createCsr();
    const pem = await signNodeCsr(root, csr.csrPem, opts());
    const c = parseNodeCert(pem);
    assert.equal(c.nodeId, 'n0d3');
    assert.equal(c.role, 'swarm-manager');
    assert.equal(c.clusterId, CLUSTER);
    assert.deepEqual(c.dnsNames, ['swarm-manager', 'n0d3', 'swarm-ca']);
    assert.deepEqual(c.extKeyUsage, ['serverAuth', 'clientAuth']);
    assert.equal(c.isCa, false);
    assert.equal(c.notBefore, NOW - CERT_BACKDATE_MS);
    assert.equal(c.notAfter, NOW + DEFAULT_NODE_CERT_EXPIRY_MS);
    assert.equal(c.issuer.name, 'CN=swarm-ca');
    const ku = c.cert.getExtension(x509.KeyUsagesExtension);
    assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    const native = new X509Certificate(pem);
    assert.equal(native.subject, `O=${CLUSTER}\nOU=swarm-manager\nCN=n0d3`);
    assert.ok(native.checkIssued(new X509Certificate(root.certPem)));
    // The certificate certifies the CSR's key, which stayed with the node.
    const fromKey = createPublicKey(csr.keyPem).export({ type: 'spki', format: 'der' });
    assert.ok(native.publicKey.export({ type: 'spki', format: 'der' }).equals(fromKey));
    assert.equal(native.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });

  it('gives workers the worker SANs only, and honours the expiry asked for', async () => {
    const root = await sharedRoot();
    const { certPem } = await issueNodeCertificate(root, opts({ role: 'swarm-worker', expiry: 3600_000 }));
    const c = parseNodeCert(certPem);
    assert.deepEqual(c.dnsNames, ['swarm-worker', 'n0d3']);
    assert.equal(c.notAfter - NOW, 3600_000);
  });

  it('never outlives the root', async () => {
    const root = await createRootCa({ clock, expiry: 10 * 24 * 3600_000 });
    const { certPem } = await issueNodeCertificate(root, opts());
    assert.equal(parseNodeCert(certPem).notAfter, loadTrustRoot(root.certPem).notAfter);
  });

  it("refuses an expiry under one hour with Docker's message", async () => {
    const root = await sharedRoot();
    const csr = await createCsr();
    await assert.rejects(signNodeCsr(root, csr.csrPem, opts({ expiry: 3599_999 })), {
      code: 'invalid_argument',
      message: MIN_EXPIRY_MESSAGE,
    });
  });

  it('refuses bad roles, ids, CSRs and keys', async () => {
    const root = await sharedRoot();
    const { csrPem } = await createCsr();
    const bad = async (p: Promise<unknown>, re: RegExp) => {
      await assert.rejects(p, (e: unknown) => e instanceof CsrError && re.test(e.message));
    };
    await bad(signNodeCsr(root, csrPem, opts({ role: 'swarm-ca' as never })), /invalid node role/);
    await bad(signNodeCsr(root, csrPem, opts({ nodeId: '' })), /invalid node id/);
    await bad(signNodeCsr(root, csrPem, opts({ nodeId: 'a,OU=swarm-manager' })), /invalid node id/);
    await bad(signNodeCsr(root, csrPem, opts({ clusterId: 'x y' })), /invalid cluster id/);
    await bad(signNodeCsr(root, 'not a csr', opts()), /cannot parse/);
    // A CSR whose signature does not match its key: no proof of possession.
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await bad(signNodeCsr(root, tampered, opts()), /bad signature/);
    // A weak RSA key.
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const keys = {
      privateKey: await crypto.subtle.importKey(
        'pkcs8',
        weak.privateKey.export({ type: 'pkcs8', format: 'der' }),
        alg,
        true,
        ['sign'],
      ),
      publicKey: await crypto.subtle.importKey(
        'spki',
        weak.publicKey.export({ type: 'spki', format: 'der' }),
        alg,
        true,
        ['verify'],
      ),
    };
    const rsaCsr = await x509.Pkcs10CertificateRequestGenerator.create({
      keys,
      signingAlgorithm: alg,
    } as never);
    await bad(signNodeCsr(root, rsaCsr.toString('pem'), opts()), /unsupported key/);
  });

  it('refuses to sign with a key that is not the root certificate’s', async () => {
    const root = await sharedRoot();
    const other = await createRootCa({ clock });
    const { csrPem } = await createCsr();
    await assert.rejects(
      signNodeCsr({ certPem: root.certPem, keyPem: other.keyPem }, csrPem, opts()),
      /key mismatch/,
    );
  });
});
