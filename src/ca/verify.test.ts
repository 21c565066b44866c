/**
 * verifyPeer admits members of our swarm with their role and refuses everything else with
 * Docker's reasons; authorize keeps workers to the dispatcher, CA and log publishing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorize, rpcName, ruleFor } from './authorize.ts';
import { parseNodeCert } from './node-cert.ts';
import { buildLeafCert, certToPem, generateKeyPair, importSigningKey, x509 } from './pki.ts';
import { createRootCa, loadTrustRoot } from './root.ts';
import { CLUSTER, nodeCert, sharedRoot, virtualClock } from './testkit.ts';
import { verifyPeer } from './verify.ts';

describe('verifyPeer', () => {
  it('admits a member with its node id and role, from PEM, DER or parsed', async () => {
    const root = await sharedRoot();
    const { clock } = virtualClock();
    const { certPem } = await nodeCert({ nodeId: 'm1', role: 'swarm-manager' });
    const opts = { rootCertPem: root.certPem, clusterId: CLUSTER, clock };
    const v = verifyPeer(certPem, opts);
    assert.ok(v.ok);
    assert.equal(v.nodeId, 'm1');
    assert.equal(v.role, 'swarm-manager');
    const parsed = parseNodeCert(certPem);
    assert.ok(verifyPeer(parsed.der, opts).ok);
    assert.ok(verifyPeer(parsed, { ...opts, rootCertPem: loadTrustRoot(root.certPem) }).ok);
  });

  it('refuses a certificate from another CA', async () => {
    const root = await sharedRoot();
    const { clock } = virtualClock();
    const other = await createRootCa({ clock });
    const { certPem } = await nodeCert({ root: other });
    assert.deepEqual(verifyPeer(certPem, { rootCertPem: root.certPem, clusterId: CLUSTER, clock }), {
      ok: false,
      reason: 'unknown_authority',
      message: 'x509: certificate signed by unknown authority',
    });
    // Nor is the root itself (or any CA certificate) a peer.
    const r = verifyPeer(root.certPem, { rootCertPem: root.certPem, clusterId: CLUSTER, clock });
    assert.equal(r.ok ? 'ok' : r.reason, 'unknown_authority');
  });

  it('refuses outside the validity period, with the times in the message', async () => {
    const root = await sharedRoot();
    const { vt, clock } = virtualClock();
    const { certPem } = await nodeCert({ expiry: 3600_000 }, clock);
    const opts = { rootCertPem: root.certPem, clusterId: CLUSTER, clock };
    vt.now = 3600_000; // the last valid instant
    assert.ok(verifyPeer(certPem, opts).ok);
    vt.now = 3601_000;
    assert.deepEqual(verifyPeer(certPem, opts), {
      ok: false,
      reason: 'expired',
      message:
        'x509: certificate has expired or is not yet valid: current time 2023-11-14T23:13:21Z is after 2023-11-14T23:13:20Z',
    });
    vt.now = -3601_000;
    const early = verifyPeer(certPem, opts);
    assert.equal(early.ok ? 'ok' : early.reason, 'not_yet_valid');
    assert.match(
      early.ok ? '' : early.message,
      /current time 2023-11-14T21:13:19Z is before 2023-11-14T21:13:20Z$/,
    );
  });

  it('refuses a node removed from the swarm, and another swarm', async () => {
    const root = await sharedRoot();
    const { clock } = virtualClock();
    const { certPem } = await nodeCert({ nodeId: 'w7' });
    const opts = { rootCertPem: root.certPem, clusterId: CLUSTER, clock };
    assert.deepEqual(verifyPeer(certPem, { ...opts, isRemoved: (id) => id === 'w7' }), {
      ok: false,
      reason: 'removed',
      message: 'Permission denied: node w7 was removed from swarm',
    });
    assert.ok(verifyPeer(certPem, { ...opts, isRemoved: (id) => id === 'w8' }).ok);
    assert.deepEqual(verifyPeer(certPem, { ...opts, clusterId: 'anotherswarm' }), {
      ok: false,
      reason: 'wrong_cluster',
      message: 'Permission denied: remote certificate not part of organization: anotherswarm',
    });
  });

  it('refuses a certificate without a node role, and garbage', async () => {
    const root = await sharedRoot();
    const { clock } = virtualClock();
    // Our CA never signs such a certificate (signNodeCsr checks the role): build one.
    const keys = await generateKeyPair();
    const odd = await buildLeafCert({
      subject: [{ O: [CLUSTER] }, { OU: ['swarm-ca'] }, { CN: ['x'] }],
      publicKey: keys.publicKey,
      issuer: loadTrustRoot(root.certPem).cert,
      signingKey: await importSigningKey(root.keyPem),
      notBefore: new Date(clock.wallNow() - 1000),
      notAfter: new Date(clock.wallNow() + 3600_000),
      serial: '01',
      sans: [],
      keyUsage: x509.KeyUsageFlags.digitalSignature,
    });
    const opts = { rootCertPem: root.certPem, clusterId: CLUSTER, clock };
    const v = verifyPeer(certToPem(odd), opts);
    assert.deepEqual(v.ok ? null : [v.reason, v.message], [
      'unknown_role',
      'Permission denied: remote certificate not part of OUs: [swarm-manager swarm-worker]',
    ]);
    const g = verifyPeer('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', opts);
    assert.equal(g.ok ? 'ok' : g.reason, 'malformed');
  });
});

describe('authorize', () => {
  it('lets anyone reach the CA to join; workers the dispatcher and log publishing', () => {
    for (const rpc of [
      'CA/GetRootCACertificate',
      'NodeCA/IssueNodeCertificate',
      'NodeCA/NodeCertificateStatus',
    ]) {
      assert.deepEqual(authorize(null, rpc), { ok: true }, rpc);
      assert.deepEqual(authorize('swarm-worker', rpc), { ok: true }, rpc);
    }
    for (const rpc of [
      'Dispatcher/Session',
      'Dispatcher/Heartbeat',
      'Dispatcher/UpdateTaskStatus',
      'Dispatcher/Assignments',
      'LogBroker/PublishLogs',
      'LogBroker/ListenSubscriptions',
      'ResourceAllocator/AttachNetwork',
    ]) {
      assert.deepEqual(authorize('swarm-worker', rpc), { ok: true }, rpc);
      assert.deepEqual(authorize('swarm-manager', rpc), { ok: true }, rpc);
      assert.deepEqual(authorize(null, rpc), { ok: false, message: 'no client certificates in request' });
    }
  });

  it('keeps Raft, control, unlock keys, log reading and unknown services to managers', () => {
    for (const rpc of [
      '/shoal.raft.v1.Raft/Stream',
      'Raft/SendSnapshot',
      'RaftMembership/Join',
      'Control/ListNodes',
      'CA/GetUnlockKey',
      'Logs/SubscribeLogs',
      'Watch/Watch',
      'SomethingNew/Call',
    ]) {
      assert.deepEqual(authorize('swarm-manager', rpc), { ok: true }, rpc);
      assert.deepEqual(
        authorize('swarm-worker', rpc),
        { ok: false, message: 'Permission denied: remote certificate not part of OUs: [swarm-manager]' },
        rpc,
      );
    }
    assert.equal(rpcName('/docker.swarmkit.v1.Dispatcher/Session'), 'Dispatcher/Session');
    assert.deepEqual(ruleFor('/docker.swarmkit.v1.NodeCA/IssueNodeCertificate'), 'open');
  });
});
