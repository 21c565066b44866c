/**
 * close() leaves nothing behind: a child process starts three transports, exchanges
 * messages and a snapshot, keeps one peer unreachable (backoff timers, failed channels),
 * closes everything and must then exit by itself, with no handle keeping it alive and no
 * socket left open (Linux: counted in /proc/self/fd).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const child = `
import { readdirSync, readlinkSync } from 'node:fs';
import { testCa } from './test/fixtures/tls.ts';
import { message } from './src/raft/core/types.ts';
import { appMessage, startTransport, waitFor } from './src/raft/transport/testkit.ts';

// grpc-js unrefs idle connections, so exiting alone proves little: count sockets too.
const sockets = () => readdirSync('/proc/self/fd').filter((fd) => {
  try { return readlinkSync('/proc/self/fd/' + fd).startsWith('socket:'); } catch { return false; }
}).length;
const baseline = sockets();
const ca = await testCa();
const tls = async (id) => {
  const c = await ca.issue(id);
  return { key: c.keyPem, cert: c.certPem, ca: ca.caPem };
};
const all = [];
for (const id of ['c1', 'c2', 'c3']) all.push(await startTransport(id, await tls(id)));
for (const a of all) for (const b of all) if (a !== b) a.t.addPeer(b.t.id, b.t.address());
// A member that outlives the others: connections to it close only if their side closes them.
const keeper = await startTransport('k', await tls('k'));
for (const a of all) {
  a.t.addPeer('k', keeper.t.address());
  a.t.send([appMessage(a.t.id, 'k', 1)]);
}
all[0].t.addPeer('gone', '127.0.0.1:1');
for (let i = 1; i <= 200; i++) for (const a of all) for (const b of all) if (a !== b) a.t.send([appMessage(a.t.id, b.t.id, i)]);
const snapshot = { meta: { index: 1, term: 1, conf: { voters: ['c1'], learners: [] } }, data: new Uint8Array(3 << 20) };
all[0].t.send([message({ type: 'snap', from: 'c1', to: 'c2', snapshot }), message({ type: 'heartbeat', from: 'c1', to: 'gone' })]);
await waitFor('delivery', () => all.every((s) => s.inbox.messages.length >= 400) && all[0].inbox.snapshots.length === 1 && keeper.inbox.messages.length === 3);
await waitFor('unreachable', () => all[0].inbox.unreachable.includes('gone'));
// A snapshot and a batch still in flight while closing.
all[1].t.send([message({ type: 'snap', from: 'c2', to: 'c3', snapshot }), appMessage('c2', 'c3', 999)]);
await Promise.all(all.map((s) => s.t.close()));
await new Promise((r) => setTimeout(r, 100));
if (sockets() !== baseline + 1) {
  console.error('sockets open besides the keeper listener:', sockets() - baseline - 1);
  process.exit(3);
}
await keeper.t.close();
if (sockets() !== baseline) {
  console.error('sockets open after closing everything:', sockets() - baseline);
  process.exit(3);
}
setTimeout(() => {
  console.error('still alive after close:', process.getActiveResourcesInfo().join(', '));
  process.exit(2);
}, 5000).unref();
`;

describe('GrpcTransport.close', () => {
  it('leaves no open handles: the process exits by itself', () => {
    const root = new URL('../../../', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.signal, null, `killed: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
  });
});
