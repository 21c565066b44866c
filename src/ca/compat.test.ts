/**
 * Interoperability, cheaply: OpenSSL reads our certificates the way swarmkit's look
 * (subject, SANs, usages) and verifies them for TLS client and server use against the
 * root, and node:tls (OpenSSL underneath, like grpc-js) completes a mutual handshake with
 * them while refusing a node of another CA. Go is not installed here; OpenSSL's purpose
 * checks (basic constraints, key usage, EKU) are the same ones Go's verifier applies.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { realClock } from '../base/clock.ts';
import { createCsr } from './csr.ts';
import { createRootCa } from './root.ts';
import { CLUSTER, nodeCert, sharedRoot } from './testkit.ts';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const skip = hasOpenssl ? false : 'openssl is not installed: skipping the OpenSSL compatibility checks';

const dir = mkdtempSync(join(tmpdir(), 'shoal-ca-compat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function openssl(...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe('OpenSSL reads and verifies our certificates', { skip }, () => {
  it('prints swarmkit-shaped fields', async () => {
    const root = await sharedRoot();
    const { certPem } = await nodeCert({ nodeId: 'm1', role: 'swarm-manager' });
    const r = openssl('x509', '-noout', '-text', '-in', file('m1.crt', certPem));
    assert.ok(r.ok, r.out);
    assert.match(r.out, new RegExp(`Subject: O = ${CLUSTER}, OU = swarm-manager, CN = m1`));
    assert.match(r.out, /Issuer: CN = swarm-ca/);
    assert.match(r.out, /DNS:swarm-manager, DNS:m1, DNS:swarm-ca/);
    assert.match(r.out, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(r.out, /Digital Signature, Key Encipherment/);
    assert.match(r.out, /NIST CURVE: P-256/);
    assert.match(r.out, /Signature Algorithm: ecdsa-with-SHA256/);
    const rr = openssl('x509', '-noout', '-text', '-in', file('root.crt', root.certPem));
    assert.match(rr.out, /CA:TRUE/);
    assert.match(rr.out, /Certificate Sign, CRL Sign/);
  });

  it('verifies node certificates for client and server use, and CSRs', async () => {
    // Verification happens at the real time: issue on the real clock.
    const live = await createRootCa({ clock: realClock });
    const rootFile = file('live-root.crt', live.certPem);
    for (const role of ['swarm-manager', 'swarm-worker'] as const) {
      const { certPem } = await nodeCert({ root: live, role }, realClock);
      const f = file(`${role}.crt`, certPem);
      for (const purpose of ['sslclient', 'sslserver']) {
        const r = openssl('verify', '-CAfile', rootFile, '-purpose', purpose, f);
        assert.ok(r.ok && /: OK/.test(r.out), `${role} ${purpose}: ${r.out}`);
      }
    }
    const other = await createRootCa({ clock: realClock });
    const stranger = await nodeCert({ root: other }, realClock);
    assert.equal(openssl('verify', '-CAfile', rootFile, file('stranger.crt', stranger.certPem)).ok, false);
    const { csrPem } = await createCsr({ nodeId: 'n9' });
    const r = openssl('req', '-noout', '-verify', '-in', file('n9.csr', csrPem));
    assert.ok(r.ok && /verify OK/i.test(r.out), r.out);
  });
});

function handshake(server: tls.SecureContextOptions, client: tls.SecureContextOptions, servername: string) {
  return new Promise<string>((resolve) => {
    const srv = tls.createServer({ ...server, requestCert: true, rejectUnauthorized: true }, (s) => {
      s.end('hello');
    });
    srv.on('tlsClientError', () => undefined);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      const c = tls.connect({ port, host: '127.0.0.1', servername, ...client });
      let got = '';
      c.on('data', (d) => {
        got += String(d);
      });
      c.on('error', (e) => {
        got = `error: ${e.message}`;
      });
      c.on('close', () => {
        srv.close();
        resolve(got);
      });
    });
  });
}

describe('node:tls accepts our certificates for mutual TLS', () => {
  it('a worker reaches a manager dialed as "swarm-manager"; a stranger is refused', async () => {
    const root = await createRootCa({ clock: realClock });
    const mgr = await nodeCert({ root, nodeId: 'm1', role: 'swarm-manager' }, realClock);
    const wrk = await nodeCert({ root, nodeId: 'w1', role: 'swarm-worker' }, realClock);
    const stranger = await nodeCert({ root: await createRootCa({ clock: realClock }) }, realClock);
    const side = (m: { certPem: string; keyPem: string }) => ({
      ca: root.certPem,
      cert: m.certPem,
      key: m.keyPem,
    });
    // Hostname verification against the role SAN, as swarmkit's clients do (ServerName).
    assert.equal(await handshake(side(mgr), side(wrk), 'swarm-manager'), 'hello');
    assert.equal(await handshake(side(mgr), side(wrk), 'swarm-ca'), 'hello');
    assert.match(await handshake(side(wrk), side(mgr), 'swarm-manager'), /error: .*(altnames|Hostname)/i);
    assert.notEqual(await handshake(side(mgr), side(stranger), 'swarm-manager'), 'hello');
  });
});
