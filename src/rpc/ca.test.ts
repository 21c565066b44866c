/**
 * The CA service's join path end to end, over real sockets: a node with nothing fetches
 * the root without verifying the server (fetchRootCa), joins with a token and no client
 * certificate, then uses the certificate it got for a session. Also: refusals as values
 * with the backend's text, a backend that throws, and a backend without status polling.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CaClient, fetchRootCa } from './ca-client.ts';
import type { CaBackend } from './ca-service.ts';
import { GrpcSessionDialer } from './session-dialer.ts';
import {
  Cleanup,
  channels,
  identity,
  nodeTls,
  RecordingAcceptor,
  startServer,
  testCa,
  testCaBackend,
  WORKER_TOKEN,
  waitFor,
} from './testkit.ts';
import { MutableTlsProvider } from './tls.ts';

const cleanup = new Cleanup();
after(() => cleanup.run());
const ca = await testCa();

describe('joining through the CA service', () => {
  it('root without trust, certificate with a token, then a session with that certificate', async () => {
    const acceptor = new RecordingAcceptor();
    const s = await startServer({
      tls: await nodeTls(ca, 'm1', 'manager'),
      ca: testCaBackend(ca),
      dispatcher: acceptor,
    });
    cleanup.add(s.server, (x) => x.close());

    const root = await fetchRootCa(s.addr);
    assert.ok(root.ok);
    assert.equal(root.value, ca.caPem, '(the CA library checks it against the token digest)');

    const tls = new MutableTlsProvider({ identity: undefined, rootsPem: root.value });
    // The CA design: during the join the manager must present the SAN 'swarm-ca'.
    const joining = cleanup.add(channels(tls, { serverName: 'swarm-ca' }), (c) => c.close());
    const joined = await new CaClient(joining).issueNodeCertificate(s.addr, {
      csrPem: 'CSR',
      token: WORKER_TOKEN,
    });
    assert.ok(joined.ok && joined.value.status.state === 'issued');
    const nodeId = joined.value.nodeId;

    // The daemon stores the certificate and builds a new pool with it.
    tls.setIdentity(await identity(ca, nodeId, 'worker'));
    const member = cleanup.add(channels(tls), (c) => c.close());
    const d = await new GrpcSessionDialer({ channels: member }).dial(s.addr);
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    await waitFor('session', () => acceptor.links.length === 1);
    assert.equal(acceptor.links[0]?.link.remote.nodeId, nodeId);
    d.link.close();
  });

  it('fetchRootCa of an address where nothing listens is a value', async () => {
    const r = await fetchRootCa('127.0.0.1:1', { timeoutMs: 2_000 });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'unavailable');
  });

  it('a backend that throws is INTERNAL; one without status polling is UNIMPLEMENTED', async () => {
    const broken: CaBackend = {
      rootCaCertificate: async () => {
        throw new Error('disk on fire');
      },
      issueNodeCertificate: async () => ({
        ok: false,
        code: 'permission_denied',
        message: 'node w1 was removed',
      }),
    };
    const s = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), ca: broken });
    cleanup.add(s.server, (x) => x.close());
    const c = new CaClient(cleanup.add(channels(await nodeTls(ca, 'w1', 'worker')), (x) => x.close()));
    const root = await c.rootCaCertificate(s.addr);
    assert.ok(!root.ok && root.error.status === grpc.status.INTERNAL);
    assert.match(root.error.message, /disk on fire/);
    const issue = await c.issueNodeCertificate(s.addr, { csrPem: 'CSR' });
    assert.ok(!issue.ok && issue.error.status === grpc.status.PERMISSION_DENIED);
    assert.equal(issue.error.details, 'node w1 was removed');
    const status = await c.nodeCertificateStatus(s.addr, 'w1');
    assert.ok(!status.ok && status.error.status === grpc.status.UNIMPLEMENTED);
    assert.ok(s.logs.some((l) => l.msg === 'CA backend failed'));
  });
});
