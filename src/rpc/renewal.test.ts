/**
 * Certificates changing under a running server and running channels (tls.ts): a renewed
 * server identity is what new connections see while an open session keeps going on the
 * old connection; a renewed client identity is presented on the next connection; trust
 * roots added at run time (root rotation) admit the new CA's certificates.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CAClient } from '../gen/shoal/ca/v1/ca.ts';
import type { AgentMessage, DispatcherMessage } from '../manager/dispatcher/protocol.ts';
import { CaClient } from './ca-client.ts';
import type { RpcChannels } from './channels.ts';
import { identityFromPem } from './identity.ts';
import { GrpcSessionDialer } from './session-dialer.ts';
import {
  Cleanup,
  channels,
  createTestCa,
  identity,
  nodeTls,
  RecordingAcceptor,
  startServer,
  testCa,
  testCaBackend,
  waitFor,
} from './testkit.ts';

const cleanup = new Cleanup();
after(() => cleanup.run());
const ca = await testCa();

/** The fingerprint of the certificate the server presented on this pool's connection. */
function serverFingerprint(ch: RpcChannels, addr: string): Promise<string | undefined> {
  const c = ch.client(addr, CAClient);
  return new Promise((resolve, reject) => {
    let fp: string | undefined;
    const call = c.getRootCaCertificate({}, (err) => (err ? reject(err) : resolve(fp)));
    call.on('metadata', () => {
      fp = call.getAuthContext()?.sslPeerCertificate?.fingerprint256;
    });
  });
}

describe('renewal', () => {
  it('a new server identity serves new connections; an open session keeps its connection', async () => {
    const tls = await nodeTls(ca, 'm1', 'manager');
    const acceptor = new RecordingAcceptor();
    const s = await startServer({ tls, dispatcher: acceptor, ca: testCaBackend(ca) });
    cleanup.add(s.server, (x) => x.close());
    const oldFp = identityFromPem(tls.current().identity?.certPem ?? '').fingerprint;

    const ch = cleanup.add(channels(await nodeTls(ca, 'w1', 'worker')), (c) => c.close());
    const d = await new GrpcSessionDialer({ channels: ch }).dial(s.addr);
    assert.ok(d.ok);
    const got: DispatcherMessage[] = [];
    d.link.attach({ onMessage: (m) => got.push(m), onClose: () => {} });
    assert.equal(await serverFingerprint(ch, s.addr), oldFp);

    const renewed = await identity(ca, 'm1', 'manager', { generation: '2' });
    tls.setIdentity(renewed);
    const newFp = identityFromPem(renewed.certPem).fingerprint;
    assert.notEqual(newFp, oldFp);

    // A new connection sees the renewed certificate (delivery is asynchronous: poll).
    let seen: string | undefined;
    for (let i = 0; i < 50 && seen !== newFp; i++) {
      const fresh = channels(await nodeTls(ca, 'w1', 'worker'));
      seen = await serverFingerprint(fresh, s.addr);
      fresh.close();
      if (seen !== newFp) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(seen, newFp);

    // The session opened before carries on, both ways, on the old connection.
    assert.equal(await serverFingerprint(ch, s.addr), oldFp);
    const server = acceptor.links[0];
    assert.ok(server);
    const up: AgentMessage = { kind: 'heartbeat', sessionId: 'after-renewal' };
    assert.ok(d.link.send(up));
    server.link.send({ kind: 'heartbeat', periodMs: 42 });
    await waitFor('messages after renewal', () => server.got.length === 1 && got.length === 1);
    assert.deepEqual(server.closed, []);
    d.link.close();
  });

  it("a client's renewed certificate is presented on its next connection", async () => {
    const backend = testCaBackend(ca);
    const s = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), ca: backend });
    cleanup.add(s.server, (x) => x.close());
    const tls = await nodeTls(ca, 'w2', 'worker');
    const ch = cleanup.add(channels(tls), (c) => c.close());
    const cac = new CaClient(ch);
    assert.ok((await cac.issueNodeCertificate(s.addr, { csrPem: 'CSR' })).ok);
    const first = backend.calls.at(-1)?.caller.peer?.fingerprint;

    const renewed = await identity(ca, 'w2', 'worker', { generation: '2' });
    tls.setIdentity(renewed);
    // The open connection keeps the certificate it was made with...
    assert.ok((await cac.issueNodeCertificate(s.addr, { csrPem: 'CSR' })).ok);
    assert.equal(backend.calls.at(-1)?.caller.peer?.fingerprint, first);
    // ...a new one presents the renewed certificate.
    ch.forget(s.addr);
    assert.ok((await cac.issueNodeCertificate(s.addr, { csrPem: 'CSR' })).ok);
    assert.equal(
      backend.calls.at(-1)?.caller.peer?.fingerprint,
      identityFromPem(renewed.certPem).fingerprint,
    );
  });

  it('roots added at run time admit certificates of the new CA (root rotation)', async () => {
    const next = await createTestCa('Next root');
    const tls = await nodeTls(ca, 'm1', 'manager');
    const s = await startServer({ tls, ca: testCaBackend(ca) });
    cleanup.add(s.server, (x) => x.close());
    const ch = cleanup.add(channels(await nodeTls(next, 'w3', 'worker', { trust: ca })), (c) => c.close());
    const cac = new CaClient(ch);
    const refused = await cac.rootCaCertificate(s.addr);
    assert.ok(!refused.ok && refused.error.code === 'unavailable');
    tls.setRoots(ca.caPem + next.caPem);
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ch.forget(s.addr);
      ok = (await cac.issueNodeCertificate(s.addr, { csrPem: 'CSR' })).ok;
      if (!ok) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(ok, 'a certificate of the new root is accepted');
  });
});
