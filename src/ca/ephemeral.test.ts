/**
 * The ephemeral CA issues certificates that node's TLS accepts for mutual authentication,
 * with the subject and SANs asked for, and a certificate from another CA is refused.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import * as tls from 'node:tls';
import { createEphemeralCa } from './ephemeral.ts';

function handshake(
  server: { ca: string; key: string; cert: string },
  client: { ca: string; key: string; cert: string },
): Promise<string> {
  return new Promise((resolve) => {
    const srv = tls.createServer({ ...server, requestCert: true, rejectUnauthorized: true }, (s) => {
      s.end('hello');
    });
    srv.on('tlsClientError', () => undefined);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      const c = tls.connect({
        port,
        host: '127.0.0.1',
        servername: 'm1',
        ...client,
        checkServerIdentity: () => undefined,
      });
      let got = '';
      c.on('data', (d) => {
        got += String(d);
      });
      // TLS 1.3 checks the client's certificate after the client's handshake completes:
      // a refused client sees an alert or the connection closing, never the greeting.
      c.on('close', () => {
        srv.close();
        resolve(got);
      });
      c.on('error', (e) => {
        got = `error: ${e.message}`;
      });
    });
  });
}

describe('createEphemeralCa', () => {
  it('issues certificates with the subject and SANs asked for, signed by the CA', async () => {
    const ca = await createEphemeralCa('Demo CA');
    const c = await ca.issue('m1', { ou: 'swarm-manager', o: 'cluster-1', dns: ['m1.local'] });
    const cert = new X509Certificate(c.certPem);
    const root = new X509Certificate(ca.caPem);
    assert.match(root.subject, /CN=Demo CA/);
    assert.match(cert.subject, /CN=m1/);
    assert.match(cert.subject, /OU=swarm-manager/);
    assert.match(cert.subject, /O=cluster-1/);
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName ?? '', /DNS:m1\.local/);
    assert.ok(cert.checkIssued(root));
    assert.ok(cert.verify(root.publicKey));
    assert.match(c.keyPem, /BEGIN PRIVATE KEY/);
  });

  it('issues once per name and options', async () => {
    const ca = await createEphemeralCa();
    assert.equal(await ca.issue('a'), await ca.issue('a'));
    assert.notEqual((await ca.issue('a')).certPem, (await ca.issue('b')).certPem);
  });

  it('certificates authenticate both ways over TLS; another CA is refused', async () => {
    const ca = await createEphemeralCa();
    const other = await createEphemeralCa();
    const s = await ca.issue('m1');
    const c = await ca.issue('m2');
    const bad = await other.issue('m2');
    const side = (x: { keyPem: string; certPem: string }) => ({
      ca: ca.caPem,
      key: x.keyPem,
      cert: x.certPem,
    });
    assert.equal(await handshake(side(s), side(c)), 'hello');
    assert.notEqual(await handshake(side(s), side(bad)), 'hello');
    assert.notEqual(await handshake(side(s), { ...side(c), ca: other.caPem }), 'hello');
  });
});
