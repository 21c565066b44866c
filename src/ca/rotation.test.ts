/**
 * Root rotation's pure parts: the cross-signed intermediate, chains that verify with
 * either root (our checks, OpenSSL's through node:tls), what the CA signs with, and when
 * a rotation is complete.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import * as tls from 'node:tls';
import { type Clock, realClock } from '../base/clock.ts';
import { chainsTo, crossSignRoot, issuerOfChain, issuerOfRoot, splitCertificates } from './cross-sign.ts';
import { createCsr } from './csr.ts';
import { parseNodeCert } from './node-cert.ts';
import { createRootCa, type RootCaMaterial } from './root.ts';
import {
  type ClusterRootCa,
  desiredIssuer,
  finishRotation,
  planRootCa,
  rotationProgress,
  signerOf,
  trustedRoots,
} from './rotation.ts';
import { signNodeCsr } from './sign.ts';
import { CLUSTER, sharedRoot, virtualClock } from './testkit.ts';
import { verifyPeer } from './verify.ts';

const { clock } = virtualClock();

let second: Promise<RootCaMaterial> | undefined;
const newRoot = (): Promise<RootCaMaterial> => {
  second ??= createRootCa({ clock });
  return second;
};

async function rotating(): Promise<ClusterRootCa> {
  const old = await sharedRoot();
  const next = await planRootCa(
    { CACert: old.certPem, CAKey: old.keyPem },
    { ForceRotate: 1 },
    { clock, newRoot },
  );
  assert.ok(next);
  return next;
}

async function issue(
  root: ClusterRootCa,
  nodeId: string,
  role: 'swarm-manager' | 'swarm-worker',
  at: Clock = clock,
) {
  const { ca, intermediatesPem } = signerOf(root);
  const csr = await createCsr({ nodeId });
  const certPem = await signNodeCsr(ca, csr.csrPem, {
    nodeId,
    role,
    clusterId: CLUSTER,
    clock: at,
    intermediatesPem,
  });
  return { certPem, keyPem: csr.keyPem };
}

describe('crossSignRoot', () => {
  it("certifies the new root's key and subject with the old root", async () => {
    const old = await sharedRoot();
    const next = await newRoot();
    const cross = await crossSignRoot(old, next.certPem, { clock });
    const c = parseNodeCert(cross);
    assert.ok(c.isCa);
    assert.equal(c.issuer.name, 'CN=swarm-ca');
    assert.ok(chainsTo(cross, [old.certPem]));
    assert.ok(!chainsTo(cross, [next.certPem]));
    // Same key as the new root: a leaf of the new key names either as its issuer.
    assert.equal(issuerOfChain(cross, [old.certPem]).subjectBase64, issuerOfRoot(next.certPem).subjectBase64);
    await assert.rejects(crossSignRoot(old, old.certPem, { clock }), /identical key/);
  });
});

describe('a rotation in progress', () => {
  it('issues from the new key, with the intermediate: either root verifies the chain', async () => {
    const root = await rotating();
    const old = root.CACert;
    const next = root.RootRotation?.CACert as string;
    const { certPem } = await issue(root, 'w1', 'swarm-worker');
    assert.equal(splitCertificates(certPem).length, 2);
    assert.ok(chainsTo(certPem, [old]), 'old root through the cross-signed certificate');
    assert.ok(chainsTo(certPem, [next]), 'new root directly');
    assert.ok(!chainsTo(certPem, [(await createRootCa({ clock })).certPem]));
    // The peer check sees only the leaf: the new root (among the trusted) signed it.
    const opts = { clusterId: CLUSTER, clock };
    assert.ok(verifyPeer(certPem, { ...opts, rootCertPem: trustedRoots(root) }).ok);
    assert.ok(!verifyPeer(certPem, { ...opts, rootCertPem: [old] }).ok);
    // Its issuer is the desired one, read from the chain or from the roots alone.
    assert.deepEqual(issuerOfChain(certPem, [old]), desiredIssuer(root));
    const leafOnly = splitCertificates(certPem)[0] as string;
    assert.deepEqual(issuerOfChain(leafOnly, trustedRoots(root)), desiredIssuer(root));
  });

  it('node:tls accepts it both ways: old-root client to new server, new-root client to old server', async () => {
    const root = await rotating();
    const old = root.CACert;
    const next = root.RootRotation?.CACert as string;
    const oldCa = { CACert: old, CAKey: root.CAKey };
    const server = await issue(root, 'm1', 'swarm-manager', realClock);
    const client = await issue(oldCa, 'w1', 'swarm-worker', realClock);
    const handshake = (
      srv: { certPem: string; keyPem: string },
      srvCa: string[],
      cli: typeof srv,
      cliCa: string[],
    ) =>
      new Promise<boolean>((resolve) => {
        // Decided by the server (TLS 1.3 clients finish before the server checks them).
        const done = (ok: boolean) => {
          s.close();
          resolve(ok);
        };
        const s: tls.Server = tls.createServer({
          key: srv.keyPem,
          cert: srv.certPem,
          ca: srvCa,
          requestCert: true,
          rejectUnauthorized: true,
        });
        s.on('secureConnection', (sock) => {
          sock.end();
          done(true);
        });
        s.on('tlsClientError', () => done(false));
        s.listen(0, '127.0.0.1', () => {
          const { port } = s.address() as AddressInfo;
          const c = tls.connect({
            host: '127.0.0.1',
            port,
            key: cli.keyPem,
            cert: cli.certPem,
            ca: cliCa,
            servername: 'swarm-manager',
          });
          c.on('error', () => done(false));
          c.on('close', () => c.destroy());
        });
      });
    // A client that trusts only the old root, meeting a server with a new-key certificate.
    assert.ok(await handshake(server, [old, next], client, [old]), 'old-root client');
    // After the rotation: a client trusting only the new root, the server's chain unchanged.
    const fresh = await issue(finishRotation(root), 'w2', 'swarm-worker', realClock);
    assert.ok(await handshake(server, [next], fresh, [next]), 'new-root client');
    // A certificate of the old root alone is no longer accepted by a new-root server.
    assert.ok(!(await handshake(server, [next], client, [next])), 'old certificate refused');
  });
});

describe('planRootCa', () => {
  it('starts a rotation when ForceRotate changes, and not otherwise', async () => {
    const old = await sharedRoot();
    const cur = { CACert: old.certPem, CAKey: old.keyPem };
    assert.equal(await planRootCa(cur, {}, { clock, newRoot }), undefined);
    assert.equal(
      await planRootCa({ ...cur, LastForcedRotation: 2 }, { ForceRotate: 2 }, { clock }),
      undefined,
    );
    const r = await rotating();
    assert.equal(r.LastForcedRotation, 1);
    assert.equal(r.CACert, old.certPem);
    assert.equal(r.RootRotation?.CACert, (await newRoot()).certPem);
  });

  it('takes a given certificate and key; refuses what swarmkit refuses', async () => {
    const old = await sharedRoot();
    const cur = { CACert: old.certPem, CAKey: old.keyPem };
    const given = await newRoot();
    const r = await planRootCa(cur, { SigningCACert: given.certPem, SigningCAKey: given.keyPem }, { clock });
    assert.equal(r?.RootRotation?.CACert, given.certPem);
    // The same again: the rotation is kept; the current root: the rotation is abandoned.
    const again = await planRootCa(
      r as ClusterRootCa,
      { SigningCACert: given.certPem, SigningCAKey: given.keyPem },
      { clock },
    );
    assert.equal(again?.RootRotation?.CrossSignedCACert, r?.RootRotation?.CrossSignedCACert);
    const back = await planRootCa(
      r as ClusterRootCa,
      { SigningCACert: old.certPem, SigningCAKey: old.keyPem },
      { clock },
    );
    assert.equal(back?.RootRotation, undefined);
    await assert.rejects(
      planRootCa(cur, { SigningCAKey: given.keyPem }, { clock }),
      /signing CA cert must also/,
    );
    await assert.rejects(planRootCa(cur, { SigningCACert: given.certPem }, { clock }), /external CA/);
    await assert.rejects(
      planRootCa(cur, { SigningCACert: given.certPem, SigningCAKey: old.keyPem }, { clock }),
      /certificate key mismatch/,
    );
    const short = await createRootCa({ clock, expiry: 30 * 24 * 3600 * 1000 });
    await assert.rejects(
      planRootCa(cur, { SigningCACert: short.certPem, SigningCAKey: short.keyPem }, { clock }),
      /CA certificate expires too soon/,
    );
  });
});

describe('rotationProgress', () => {
  it('is complete once every node reports a certificate of the new root', async () => {
    const root = await rotating();
    const want = desiredIssuer(root);
    const tlsOf = (i: { subjectBase64: string; publicKeyBase64: string }) => ({
      TLSInfo: { CertIssuerSubject: i.subjectBase64, CertIssuerPublicKey: i.publicKeyBase64 },
    });
    const nodes = [
      { ID: 'a', Description: tlsOf(want) },
      { ID: 'b', Description: tlsOf(issuerOfRoot(root.CACert)) },
      { ID: 'c' },
    ];
    const p = rotationProgress(root, nodes);
    assert.deepEqual([p.converged, p.total, p.pending, p.complete], [1, 3, ['b', 'c'], false]);
    const all = nodes.map((n) => ({ ...n, Description: tlsOf(want) }));
    assert.equal(rotationProgress(root, all).complete, true);
    // Not rotating: nothing to complete, whatever the nodes say.
    const done = finishRotation(root);
    assert.equal(done.CACert, root.RootRotation?.CACert);
    assert.equal(done.RootRotation, undefined);
    assert.equal(rotationProgress(done, all).complete, false);
    assert.equal(rotationProgress(done, all).converged, 3);
  });
});
