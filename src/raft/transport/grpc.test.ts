/**
 * GrpcTransport on real sockets (127.0.0.1, mutual TLS with the test CA): ordered
 * delivery between three members, the snapshot path, unreachable peers and reconnection.
 * Refusals (wrong CA, authorizePeer, identity) are in grpc-auth.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type TestCa, testCa } from '../../../test/fixtures/tls.ts';
import { isShoalError } from '../../base/errors.ts';
import { message } from '../core/types.ts';
import { appMessage, type Started, startTransport, waitFor } from './testkit.ts';

let ca: TestCa;
const open: Started[] = [];

async function member(id: string, opts: Parameters<typeof startTransport>[2] = {}): Promise<Started> {
  const { keyPem, certPem } = await ca.issue(id, { ou: 'swarm-manager', o: 'cluster-1' });
  const s = await startTransport(id, { key: keyPem, cert: certPem, ca: ca.caPem }, opts);
  open.push(s);
  return s;
}

function connect(all: Started[]): void {
  for (const a of all) for (const b of all) if (a !== b) a.t.addPeer(b.t.id, b.t.address());
}

before(async () => {
  ca = await testCa();
});

after(async () => {
  await Promise.all(open.map((s) => s.t.close()));
});

describe('GrpcTransport', () => {
  it('delivers messages in order between three members, entries of many sizes', async () => {
    const all = [await member('m1'), await member('m2'), await member('m3')];
    connect(all);
    const sizes = [0, 1, 256, 4096, 65_536];
    const perPeer = 200;
    for (let i = 0; i < perPeer; i++) {
      for (const a of all) {
        const out = all
          .filter((b) => b !== a)
          .map((b) => appMessage(a.t.id, b.t.id, i + 1, 1 + (i % 3), sizes[i % sizes.length]));
        a.t.send(out);
      }
      // A 3 MiB message, larger than maxBatchBytes, travels alone.
      if (i === 100) all[0]!.t.send([appMessage('m1', 'm2', 10_000, 3, 1024 * 1024)]);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    for (const b of all) {
      await waitFor(
        `${b.t.id} inbox`,
        () => b.inbox.messages.length >= (b.t.id === 'm2' ? 2 * perPeer + 1 : 2 * perPeer),
      );
    }
    for (const b of all) {
      for (const a of all) {
        if (a === b) continue;
        const got = b.inbox.from(a.t.id).filter((m) => m.index < 10_000);
        assert.equal(got.length, perPeer);
        got.forEach((m, i) => {
          assert.deepEqual(m, appMessage(a.t.id, b.t.id, i + 1, 1 + (i % 3), sizes[i % sizes.length]));
        });
      }
      assert.deepEqual(b.inbox.unreachable, []);
    }
    const big = all[1]!.inbox.messages.find((m) => m.index === 10_000);
    assert.deepEqual(big, appMessage('m1', 'm2', 10_000, 3, 1024 * 1024));
  });

  it('streams a 5 MiB snapshot in chunks and reports it delivered', async () => {
    const a = await member('s1');
    const b = await member('s2', { maxMessageBytes: 2 * 1024 * 1024 });
    a.t.addPeer('s2', b.t.address());
    const data = new Uint8Array(randomBytes(5 * 1024 * 1024 + 123));
    const snapshot = { meta: { index: 42, term: 3, conf: { voters: ['s1', 's2'], learners: ['s3'] } }, data };
    const snap = message({ type: 'snap', from: 's1', to: 's2', term: 3, snapshot });
    a.t.send([snap, message({ type: 'heartbeat', from: 's1', to: 's2', term: 3 })]);
    await waitFor('snapshot status', () => a.inbox.snapshots.length > 0);
    assert.deepEqual(a.inbox.snapshots, [{ peer: 's2', ok: true }]);
    const got = b.inbox.messages.find((m) => m.type === 'snap');
    assert.ok(got?.snapshot);
    assert.deepEqual(got.snapshot.meta, snapshot.meta);
    assert.equal(Buffer.compare(got.snapshot.data, data), 0);
    assert.deepEqual({ ...got, snapshot: undefined }, { ...snap, snapshot: undefined });
    // The receiver's message limit is 2 MiB: only chunking gets 5 MiB through.
    assert.ok(b.inbox.messages.some((m) => m.type === 'heartbeat'));
  });

  it('reports a failed snapshot when the peer is down', async () => {
    const a = await member('f1');
    a.t.addPeer('f2', '127.0.0.1:1');
    const snapshot = {
      meta: { index: 1, term: 1, conf: { voters: ['f1'], learners: [] } },
      data: new Uint8Array(10),
    };
    a.t.send([message({ type: 'snap', from: 'f1', to: 'f2', snapshot })]);
    await waitFor('snapshot status', () => a.inbox.snapshots.length > 0);
    assert.deepEqual(a.inbox.snapshots, [{ peer: 'f2', ok: false }]);
  });

  it('reports a stopped peer unreachable, and delivers again once it is back', async () => {
    const a = await member('r1');
    let b = await member('r2');
    const addr = b.t.address();
    a.t.addPeer('r2', addr);
    a.t.send([appMessage('r1', 'r2', 1)]);
    await waitFor('first message', () => b.inbox.messages.length === 1);
    await b.t.close();
    // a's stream was still open: close() must end it rather than wait for it.
    assert.ok(!b.logs.some((l) => l.msg.startsWith('server shutdown still waiting')));
    // Raft keeps sending (heartbeats): the transport must notice and report.
    await waitFor('unreachable report', () => {
      a.t.send([message({ type: 'heartbeat', from: 'r1', to: 'r2' })]);
      return a.inbox.unreachable.includes('r2');
    });
    b = await member('r2', { listen: addr });
    let i = 2;
    await waitFor('delivery after restart', () => {
      a.t.send([appMessage('r1', 'r2', i++)]);
      return b.inbox.messages.length > 0;
    });
    const indexes = b.inbox.messages.map((m) => m.index);
    assert.deepEqual(
      indexes,
      [...indexes].sort((x, y) => x - y),
    );
    assert.ok(a.logs.some((l) => l.msg === 'peer unreachable'));
  });

  it('follows a peer to its new address, failing a snapshot in flight to the old one', async () => {
    // The old address accepts connections and never answers: the snapshot hangs there.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const a = await member('p1');
    const b = await member('p2');
    a.t.addPeer('p2', `127.0.0.1:${(silent.address() as AddressInfo).port}`);
    const snapshot = {
      meta: { index: 1, term: 1, conf: { voters: ['p1'], learners: [] } },
      data: new Uint8Array(10),
    };
    a.t.send([message({ type: 'snap', from: 'p1', to: 'p2', snapshot })]);
    await waitFor('a connection to the silent server', () => sockets.size > 0);
    assert.deepEqual(a.inbox.snapshots, []);
    a.t.addPeer('p2', b.t.address());
    await waitFor('snapshot status', () => a.inbox.snapshots.length > 0);
    assert.deepEqual(a.inbox.snapshots, [{ peer: 'p2', ok: false }]);
    a.t.send([appMessage('p1', 'p2', 1)]);
    await waitFor('delivery at the new address', () => b.inbox.messages.length === 1);
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('fails to start on an address in use, with a ShoalError', async () => {
    const a = await member('e1');
    await assert.rejects(member('e2', { listen: a.t.address() }), (e: unknown) =>
      isShoalError(e, 'unavailable'),
    );
  });

  it('reports messages to unknown peers unreachable, after send returns', async () => {
    const a = await member('u1');
    a.t.send([message({ type: 'heartbeat', from: 'u1', to: 'nobody' })]);
    assert.deepEqual(a.inbox.unreachable, []);
    await waitFor('unreachable report', () => a.inbox.unreachable.includes('nobody'));
  });

  it('drops messages beyond maxQueue and reports the peer unreachable', async () => {
    const a = await member('q1', { maxQueue: 10 });
    const b = await member('q2');
    a.t.addPeer('q2', b.t.address());
    a.t.send(Array.from({ length: 25 }, (_, i) => appMessage('q1', 'q2', i + 1)));
    await waitFor('unreachable report', () => a.inbox.unreachable.includes('q2'));
    await waitFor('the first ten', () => b.inbox.messages.length === 10);
    assert.deepEqual(
      b.inbox.messages.map((m) => m.index),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
  });

  it('member ids that differ from the certificate names (cnOf), and renewed TLS material', async () => {
    const cnOf = (member: string) => member.split('.')[0] as string;
    const issue = async (cn: string) => {
      const { keyPem, certPem } = await ca.issue(cn, { ou: 'swarm-manager', o: 'cluster-1', dns: [cn] });
      return { key: keyPem, cert: certPem, ca: ca.caPem };
    };
    const a = await startTransport('n1.aa', await issue('n1'), { cnOf });
    const b = await startTransport('n2.bb', await issue('n2'), { cnOf });
    open.push(a, b);
    a.t.addPeer('n2.bb', b.t.address());
    b.t.addPeer('n1.aa', a.t.address());
    a.t.send([appMessage('n1.aa', 'n2.bb', 1)]);
    b.t.send([appMessage('n2.bb', 'n1.aa', 1)]);
    await waitFor('both delivered', () => a.inbox.messages.length === 1 && b.inbox.messages.length === 1);
    // A member may not speak for a member id of another node.
    a.t.send([appMessage('n3.cc', 'n2.bb', 2)]);
    // Renewal: new material, the peers reconnect with it and traffic flows again.
    a.t.updateTls(await issue('n1'));
    a.t.send([appMessage('n1.aa', 'n2.bb', 3)]);
    await waitFor('after renewal', () => b.inbox.messages.some((m) => m.index === 3));
    assert.ok(!b.inbox.messages.some((m) => m.from === 'n3.cc'), 'a message for another node is refused');
  });
});
