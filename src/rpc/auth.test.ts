/**
 * Who may call what on one ClusterRpcServer hosting every service, over real sockets:
 * a node without a certificate reaches the CA (root, join with a token) and nothing else;
 * a worker certificate gets a session but is refused Control, Raft and Logs with a clear
 * permission error; a manager gets everything; certificates from another CA are refused
 * at TLS both ways; another cluster's certificate and a server without the expected name
 * are refused too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { memoryLogger } from '../base/logger.ts';
import { RaftClient } from '../gen/shoal/raft/v1/raft.ts';
import { addCluster, setup } from '../manager/controlapi/testing.ts';
import { message } from '../raft/core/types.ts';
import { messageToPb } from '../raft/transport/codec.ts';
import { raftService } from '../raft/transport/service.ts';
import { Inbox } from '../raft/transport/testkit.ts';
import { CaClient } from './ca-client.ts';
import type { RpcChannels } from './channels.ts';
import { ForwardingControl } from './control-forwarding.ts';
import { subscribeLogs } from './logs-client.ts';
import { MemoryLogsBackend } from './logs-memory.ts';
import { GrpcSessionDialer } from './session-dialer.ts';
import { RpcError } from './status.ts';
import {
  BAD_TOKEN_TEXT,
  Cleanup,
  channels,
  createTestCa,
  nodeTls,
  RecordingAcceptor,
  type StartedServer,
  startServer,
  type TestCa,
  testCa,
  testCaBackend,
  WORKER_TOKEN,
} from './testkit.ts';

const cleanup = new Cleanup();
let ca: TestCa;
let otherCa: TestCa;
let m1: StartedServer;
const inbox = new Inbox();
const acceptor = new RecordingAcceptor();
const backend = testCaBackend(await testCa());

before(async () => {
  ca = await testCa();
  otherCa = await createTestCa('Another CA');
  const control = setup();
  await addCluster(control);
  const raft = raftService({
    id: 'm1',
    handler: () => inbox,
    checkPeerIds: true,
    maxSnapshotBytes: 1 << 20,
    logger: memoryLogger(),
  });
  m1 = await startServer({
    tls: await nodeTls(ca, 'm1', 'manager'),
    ca: backend,
    dispatcher: acceptor,
    raft,
    control: () => control.api,
    logs: new MemoryLogsBackend(),
  });
  cleanup.add(m1.server, (s) => s.close());
});

after(() => cleanup.run());

async function pool(...args: Parameters<typeof nodeTls>): Promise<RpcChannels> {
  return cleanup.add(channels(await nodeTls(...args)), (c) => c.close());
}

/** Sends one Raft heartbeat on a Stream call; resolves with the call's error (null: accepted). */
function raftSend(ch: RpcChannels, from: string): Promise<grpc.ServiceError | null> {
  const c = ch.client(m1.addr, RaftClient);
  return new Promise((resolve) => {
    const s = c.stream((err) => resolve(err));
    s.write({ messages: [messageToPb(message({ type: 'heartbeat', from, to: 'm1', term: 1 }))] });
    s.end();
  });
}

async function dial(ch: RpcChannels) {
  return new GrpcSessionDialer({ channels: ch, connectTimeoutMs: 3_000 }).dial(m1.addr);
}

async function logsError(ch: RpcChannels): Promise<unknown> {
  try {
    for await (const _ of subscribeLogs(ch, m1.addr, { selector: { serviceIds: ['s'] }, follow: false })) {
    }
  } catch (e) {
    return e;
  }
  return undefined;
}

function control(ch: RpcChannels): ForwardingControl {
  return new ForwardingControl({ channels: ch, leader: () => m1.addr, timeoutMs: 5_000 });
}

describe('a node without a certificate', () => {
  it('gets the root CA and joins with a token', async () => {
    const ch = await pool(ca, 'joiner', undefined);
    const cac = new CaClient(ch);
    const root = await cac.rootCaCertificate(m1.addr);
    assert.ok(root.ok);
    assert.equal(root.value, ca.caPem);
    const joined = await cac.issueNodeCertificate(m1.addr, {
      csrPem: 'CSR',
      token: WORKER_TOKEN,
      availability: 'drain',
    });
    assert.ok(joined.ok, joined.ok ? '' : joined.error.message);
    assert.equal(joined.value.role, 'worker');
    assert.equal(joined.value.status.state, 'issued');
    const seen = backend.calls.at(-1);
    assert.equal(seen?.caller.peer, undefined);
    assert.equal(seen?.req.availability, 'drain');
    assert.equal(seen?.caller.remoteAddr, '127.0.0.1');
    const status = await cac.nodeCertificateStatus(m1.addr, joined.value.nodeId);
    assert.ok(status.ok && status.value.state === 'issued');
  });

  it('is refused a certificate with a bad token, in the backend words', async () => {
    const ch = await pool(ca, 'joiner', undefined);
    const r = await new CaClient(ch).issueNodeCertificate(m1.addr, {
      csrPem: 'CSR',
      token: 'SWMTKN-1-wrong',
    });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'invalid_argument');
    assert.equal(r.error.details, BAD_TOKEN_TEXT);
  });

  it('reaches nothing else: UNAUTHENTICATED', async () => {
    const ch = await pool(ca, 'joiner', undefined);
    const d = await dial(ch);
    assert.ok(!d.ok);
    assert.ok(d.error instanceof RpcError && d.error.status === grpc.status.UNAUTHENTICATED, d.error.message);
    assert.match(d.error.message, /the Dispatcher service requires a client certificate/);
    await assert.rejects(control(ch).getCluster(), (e: Error & { httpStatus?: number }) => {
      assert.match(e.message, /^rpc error: code = Unauthenticated desc = the Control service requires/);
      assert.equal(e.httpStatus, 401);
      return true;
    });
    const le = await logsError(ch);
    assert.ok(le instanceof RpcError && le.status === grpc.status.UNAUTHENTICATED);
    assert.equal((await raftSend(ch, 'joiner'))?.code, grpc.status.UNAUTHENTICATED);
    assert.equal(inbox.messages.length, 0);
  });
});

describe('a worker certificate', () => {
  it('opens a session, its node id from the certificate', async () => {
    const ch = await pool(ca, 'w1', 'worker');
    const d = await dial(ch);
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    assert.equal(d.link.remote.nodeId, 'm1', "the manager's id, from its certificate");
    const rec = acceptor.links.at(-1);
    assert.equal(rec?.link.remote.nodeId, 'w1');
    assert.equal(rec?.link.remote.addr, '127.0.0.1');
    d.link.close();
  });

  it('is refused Control, Raft and Logs with a clear permission error', async () => {
    const ch = await pool(ca, 'w1', 'worker');
    const why =
      "Permission denied: the Control service is for managers (swarm-manager); node w1's certificate has role swarm-worker";
    await assert.rejects(control(ch).getCluster(), (e: Error & { httpStatus?: number }) => {
      assert.equal(e.message, `rpc error: code = PermissionDenied desc = ${why}`);
      assert.equal(e.httpStatus, 403);
      return true;
    });
    const r = await raftSend(ch, 'w1');
    assert.equal(r?.code, grpc.status.PERMISSION_DENIED);
    assert.match(r?.details ?? '', /the Raft service is for managers/);
    assert.equal(inbox.messages.length, 0);
    const le = await logsError(ch);
    assert.ok(le instanceof RpcError && le.status === grpc.status.PERMISSION_DENIED);
    assert.ok(
      m1.logs.some((l) => l.msg === 'call refused' && l.fields.node === 'w1' && l.fields.service === 'raft'),
    );
  });

  it('renews its certificate without a token: the backend sees who asks', async () => {
    const ch = await pool(ca, 'w1', 'worker');
    const r = await new CaClient(ch).issueNodeCertificate(m1.addr, { csrPem: 'CSR' });
    assert.ok(r.ok);
    assert.equal(r.value.nodeId, 'w1');
    assert.equal(backend.calls.at(-1)?.caller.peer?.nodeId, 'w1');
    assert.equal(backend.calls.at(-1)?.caller.peer?.role, 'swarm-worker');
  });
});

describe('a manager certificate', () => {
  it('reaches Raft, Control, Logs and the Dispatcher', async () => {
    const ch = await pool(ca, 'm2', 'manager');
    assert.equal(await raftSend(ch, 'm2'), null);
    assert.equal(inbox.from('m2').length, 1);
    const cluster = await control(ch).getCluster();
    assert.equal(cluster.ID, 'cluster00000000000000000001');
    assert.equal(await logsError(ch), undefined);
    const d = await dial(ch);
    assert.ok(d.ok);
    d.link.close();
  });

  it("of another cluster is refused by the role authorizer's cluster check", async () => {
    const ch = await pool(ca, 'm3', 'manager', { cluster: 'other-cluster' });
    const r = await raftSend(ch, 'm3');
    assert.equal(r?.code, grpc.status.PERMISSION_DENIED);
    assert.match(r?.details ?? '', /belongs to cluster other-cluster, not cluster-rpc-test/);
  });
});

describe('TLS', () => {
  it('refuses a client certificate from another CA at the handshake, even for the CA service', async () => {
    const before = m1.server.stats().refusedAtTls;
    const calls = backend.calls.length;
    const ch = await pool(otherCa, 'x1', 'manager', { trust: ca });
    const root = await new CaClient(ch).rootCaCertificate(m1.addr);
    assert.ok(!root.ok);
    assert.equal(root.error.status, grpc.status.UNAVAILABLE);
    const d = await dial(ch);
    assert.ok(!d.ok && d.error.code === 'unavailable');
    assert.ok(m1.server.stats().refusedAtTls > before);
    assert.ok(m1.logs.some((l) => l.msg === 'client certificate refused at TLS'));
    assert.equal(backend.calls.length, calls);
  });

  it('refuses a server whose certificate comes from another CA', async () => {
    const rogue = await startServer({
      tls: await nodeTls(otherCa, 'r1', 'manager'),
      ca: testCaBackend(otherCa),
    });
    cleanup.add(rogue.server, (s) => s.close());
    const ch = await pool(ca, 'w2', 'worker');
    const r = await new CaClient(ch).rootCaCertificate(rogue.addr);
    assert.ok(!r.ok && r.error.status === grpc.status.UNAVAILABLE, r.ok ? '' : r.error.message);
  });

  it('refuses a server that verifyServer refuses (another cluster, say)', async () => {
    const tls = await nodeTls(ca, 'w2', 'worker');
    const strict = cleanup.add(
      channels(tls, {
        verifyServer: (p) => (p.clusterId === 'cluster-elsewhere' ? null : `cluster ${p.clusterId}`),
      }),
      (c) => c.close(),
    );
    const r = await new CaClient(strict).rootCaCertificate(m1.addr);
    assert.ok(!r.ok && r.error.status === grpc.status.UNAVAILABLE);
    const fine = cleanup.add(
      channels(tls, { verifyServer: (p) => (p.nodeId === 'm1' ? null : 'who?') }),
      (c) => c.close(),
    );
    assert.ok((await new CaClient(fine).rootCaCertificate(m1.addr)).ok);
  });

  it("refuses a server whose certificate lacks the expected name ('swarm-manager')", async () => {
    // A worker certificate carries 'swarm-worker', not 'swarm-manager'.
    const odd = await startServer({ tls: await nodeTls(ca, 'w9', 'worker'), ca: testCaBackend(ca) });
    cleanup.add(odd.server, (s) => s.close());
    const ch = await pool(ca, 'w2', 'worker');
    const r = await new CaClient(ch).rootCaCertificate(odd.addr);
    assert.ok(!r.ok && r.error.status === grpc.status.UNAVAILABLE);
    // Verified as the node itself instead (serverName per address), the same server is fine.
    const byId = cleanup.add(channels(await nodeTls(ca, 'w2', 'worker'), { serverName: () => 'w9' }), (c) =>
      c.close(),
    );
    assert.ok((await new CaClient(byId).rootCaCertificate(odd.addr)).ok);
  });
});
