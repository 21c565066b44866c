/**
 * The pieces under the server and the channels, without sockets: the certificate
 * provider's delivery rules (at once and again on a later turn; every change; no
 * subscription once nobody listens), identities read from certificates, and the role
 * table's decisions and words.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roleAuthorizer, rpcName } from './authz.ts';
import { identityFromPem, type PeerIdentity } from './identity.ts';
import { identity, testCa } from './testkit.ts';
import { grpcCertificateProvider, MutableTlsProvider } from './tls.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('grpcCertificateProvider', () => {
  it('delivers at once and again on the next turn, then on every change', async () => {
    const ca = await testCa();
    const a = await identity(ca, 'm1', 'manager');
    const tls = new MutableTlsProvider({ identity: a, rootsPem: ca.caPem });
    let subscribed = 0;
    const counting = {
      current: () => tls.current(),
      subscribe: (l: () => void) => {
        subscribed++;
        const un = tls.subscribe(l);
        return () => {
          subscribed--;
          un();
        };
      },
    };
    const p = grpcCertificateProvider(counting);
    const certs: string[] = [];
    const cas: number[] = [];
    const onId = (u: { certificate: Buffer } | null) => certs.push(u?.certificate.toString() ?? 'none');
    const onCa = (u: { caCertificate: Buffer } | null) => cas.push(u?.caCertificate.length ?? 0);
    p.addIdentityCertificateListener(onId);
    p.addCaCertificateListener(onCa);
    assert.deepEqual(certs, [a.certPem], 'synchronously');
    await tick();
    assert.deepEqual(certs, [a.certPem, a.certPem], 'and on a later turn (the server needs that one)');
    assert.equal(subscribed, 1);

    const b = await identity(ca, 'm1', 'manager', { generation: 'b' });
    tls.setIdentity(b);
    assert.equal(certs.at(-1), b.certPem);
    tls.setIdentity(undefined);
    assert.equal(certs.at(-1), 'none');

    p.removeIdentityCertificateListener(onId);
    p.removeCaCertificateListener(onCa);
    assert.equal(subscribed, 0, 'no subscription while nobody listens');
    const n = certs.length;
    tls.setIdentity(a);
    await tick();
    assert.equal(certs.length, n, 'nothing after removal, not even a pending delivery');
  });
});

describe('identities and the role table', () => {
  it('reads CN, OU and O from a certificate', async () => {
    const ca = await testCa();
    const id = identityFromPem((await identity(ca, 'w1', 'worker')).certPem);
    assert.equal(id.nodeId, 'w1');
    assert.equal(id.role, 'swarm-worker');
    assert.equal(id.clusterId, 'cluster-rpc-test');
    assert.ok(id.notAfter > Date.now());
  });

  it('names RPCs as Service/Method', () => {
    assert.equal(rpcName('/shoal.ca.v1.NodeCA/IssueNodeCertificate'), 'NodeCA/IssueNodeCertificate');
    assert.equal(rpcName('/shoal.raft.v1.Raft/Stream'), 'Raft/Stream');
  });

  it('decides by role, cluster, removal and expiry, in clear words', () => {
    const peer = (over: Partial<PeerIdentity> = {}): PeerIdentity => ({
      nodeId: 'n1',
      role: 'swarm-worker',
      clusterId: 'c1',
      certPem: '',
      fingerprint: '',
      notAfter: 2_000,
      ...over,
    });
    const authorize = roleAuthorizer({
      clusterId: () => 'c1',
      isRemoved: (id) => id === 'gone',
      now: () => 1_000,
    });
    assert.equal(authorize(undefined, 'ca', 'CA/GetRootCACertificate'), null);
    assert.equal(
      authorize(undefined, 'dispatcher', 'Dispatcher/Session'),
      'no client certificates in request',
    );
    assert.equal(authorize(peer(), 'dispatcher', 'Dispatcher/Session'), null);
    assert.equal(authorize(peer({ role: 'swarm-manager' }), 'control', 'Control/Call'), null);
    assert.equal(
      authorize(peer(), 'logs', 'Logs/SubscribeLogs'),
      "Permission denied: the Logs service is for managers (swarm-manager); node n1's certificate has role swarm-worker",
    );
    assert.match(
      authorize(peer({ clusterId: 'c2' }), 'dispatcher', 'Dispatcher/Session') ?? '',
      /belongs to cluster c2, not c1/,
    );
    assert.match(
      authorize(peer({ nodeId: 'gone' }), 'dispatcher', 'Dispatcher/Session') ?? '',
      /was removed from the swarm/,
    );
    assert.match(
      authorize(peer({ notAfter: 500 }), 'dispatcher', 'Dispatcher/Session') ?? '',
      /certificate expired/,
    );
    assert.match(
      authorize(peer({ role: 'swarm-ca' }), 'dispatcher', 'Dispatcher/Session') ?? '',
      /roles swarm-worker, swarm-manager/,
    );
  });
});
