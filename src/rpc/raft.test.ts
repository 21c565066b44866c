/**
 * The Raft service mounted on the cluster RPC server (raftService from
 * src/raft/transport/service.ts) receives from a real GrpcTransport peer: batched
 * messages and a chunked snapshot; a worker's transport is refused by the gate.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { memoryLogger } from '../base/logger.ts';
import { message } from '../raft/core/types.ts';
import { raftService } from '../raft/transport/service.ts';
import { appMessage, Inbox, startTransport } from '../raft/transport/testkit.ts';
import { Cleanup, identity, nodeTls, startServer, testCa, waitFor } from './testkit.ts';

const cleanup = new Cleanup();
after(() => cleanup.run());
const ca = await testCa();

async function transportTls(nodeId: string, role: 'manager' | 'worker') {
  const id = await identity(ca, nodeId, role);
  return { key: id.keyPem, cert: id.certPem, ca: ca.caPem };
}

describe('Raft on the cluster RPC server', () => {
  it('gets messages and snapshots from a GrpcTransport peer; refuses a worker', async () => {
    const inbox = new Inbox();
    const raft = raftService({
      id: 'm1',
      handler: () => inbox,
      checkPeerIds: true,
      maxSnapshotBytes: 64 << 20,
      logger: memoryLogger(),
    });
    const s = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), raft });
    cleanup.add(s.server, (x) => x.close());

    const m2 = await startTransport('m2', await transportTls('m2', 'manager'));
    cleanup.add(m2.t, (t) => t.close());
    m2.t.addPeer('m1', s.addr);
    for (let i = 1; i <= 100; i++) m2.t.send([appMessage('m2', 'm1', i)]);
    const snapshot = {
      meta: { index: 100, term: 1, conf: { voters: ['m1', 'm2'], learners: [] } },
      data: new Uint8Array(3 << 20),
    };
    m2.t.send([message({ type: 'snap', from: 'm2', to: 'm1', term: 1, snapshot })]);
    await waitFor(
      'messages and snapshot',
      () => inbox.messages.length === 101 && m2.inbox.snapshots.length === 1,
    );
    assert.deepEqual(m2.inbox.snapshots, [{ peer: 'm1', ok: true }]);
    assert.equal(inbox.messages.at(-1)?.snapshot?.data.byteLength, 3 << 20);

    const w = await startTransport('w1', await transportTls('w1', 'worker'));
    cleanup.add(w.t, (t) => t.close());
    w.t.addPeer('m1', s.addr);
    await waitFor('worker refused', () => {
      w.t.send([message({ type: 'heartbeat', from: 'w1', to: 'm1' })]);
      return w.inbox.unreachable.includes('m1');
    });
    assert.equal(inbox.from('w1').length, 0);
    assert.ok(s.logs.some((l) => l.msg === 'call refused' && l.fields.node === 'w1'));
  });
});
