/**
 * close() leaves nothing behind: a child process runs a ClusterRpcServer with every
 * service, opens long-lived calls of each kind (a session, a followed log subscription, a
 * Raft stream) plus unary calls (control, CA) and a refused foreign certificate, then
 * closes the server while the calls are open, then the clients. It must then exit by
 * itself with no socket left open (Linux: counted in /proc/self/fd, since grpc-js unrefs
 * idle connections and exiting alone proves little).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const child = `
import { readdirSync, readlinkSync } from 'node:fs';
import { memoryLogger } from './src/base/logger.ts';
import { RaftClient } from './src/gen/shoal/raft/v1/raft.ts';
import { addCluster, setup } from './src/manager/controlapi/testing.ts';
import { message } from './src/raft/core/types.ts';
import { messageToPb } from './src/raft/transport/codec.ts';
import { raftService } from './src/raft/transport/service.ts';
import { Inbox } from './src/raft/transport/testkit.ts';
import { CaClient } from './src/rpc/ca-client.ts';
import { ForwardingControl } from './src/rpc/control-forwarding.ts';
import { subscribeLogs } from './src/rpc/logs-client.ts';
import { MemoryLogsBackend } from './src/rpc/logs-memory.ts';
import { GrpcSessionDialer } from './src/rpc/session-dialer.ts';
import { channels, createTestCa, nodeTls, RecordingAcceptor, startServer, testCa, testCaBackend, waitFor } from './src/rpc/testkit.ts';

const sockets = () => readdirSync('/proc/self/fd').filter((fd) => {
  try { return readlinkSync('/proc/self/fd/' + fd).startsWith('socket:'); } catch { return false; }
}).length;
const baseline = sockets();
const ca = await testCa();
const f = setup();
await addCluster(f);
const inbox = new Inbox();
const logs = new MemoryLogsBackend();
const acceptor = new RecordingAcceptor();
const s = await startServer({
  tls: await nodeTls(ca, 'm1', 'manager'),
  ca: testCaBackend(ca),
  dispatcher: acceptor,
  raft: raftService({ id: 'm1', handler: () => inbox, checkPeerIds: true, maxSnapshotBytes: 1 << 20, logger: memoryLogger() }),
  control: () => f.api,
  logs,
  shutdownGraceMs: 3000,
});
const ch = channels(await nodeTls(ca, 'm2', 'manager'));
const d = await new GrpcSessionDialer({ channels: ch }).dial(s.addr);
if (!d.ok) throw d.error;
const closed = [];
d.link.attach({ onMessage() {}, onClose: (r) => closed.push(r) });
const ac = new AbortController();
const following = (async () => {
  try { for await (const _ of subscribeLogs(ch, s.addr, { selector: { serviceIds: ['s'] }, follow: true }, ac.signal)) {} }
  catch (e) { return e; }
})();
const raft = ch.client(s.addr, RaftClient).stream(() => {});
raft.write({ messages: [messageToPb(message({ type: 'heartbeat', from: 'm2', to: 'm1', term: 1 }))] });
await new ForwardingControl({ channels: ch, leader: () => s.addr }).getCluster();
const joiner = channels(await nodeTls(ca, 'j', undefined));
if (!(await new CaClient(joiner).rootCaCertificate(s.addr)).ok) throw new Error('root');
const foreign = channels(await nodeTls(await createTestCa('x'), 'x', 'manager', { trust: ca }));
if ((await new CaClient(foreign).rootCaCertificate(s.addr)).ok) throw new Error('foreign accepted');
await waitFor('long-lived calls', () => inbox.messages.length === 1 && logs.stats.open === 1 && acceptor.links.length === 1);

const t0 = Date.now();
await s.server.close();
const took = Date.now() - t0;
if (took > 1500) { console.error('server close took', took, 'ms'); process.exit(4); }
await waitFor('session broken', () => closed.length === 1);
const logsEnd = await following;
if (logsEnd?.code !== 'unavailable') { console.error('log subscription ended with', logsEnd); process.exit(5); }
ch.close();
joiner.close();
foreign.close();
await new Promise((r) => setTimeout(r, 100));
if (sockets() !== baseline) {
  console.error('sockets open after closing everything:', sockets() - baseline);
  process.exit(3);
}
setTimeout(() => {
  console.error('still alive after close:', process.getActiveResourcesInfo().join(', '));
  process.exit(2);
}, 5000).unref();
`;

describe('ClusterRpcServer.close', () => {
  it('ends open calls at once and leaves no open handles: the process exits by itself', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.signal, null, `killed: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
  });
});
