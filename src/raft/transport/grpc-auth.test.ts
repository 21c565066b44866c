/**
 * Who may talk to whom: certificates from another CA, authorizePeer refusals on either
 * end, messages whose `from` is not the certificate's member, a server that is not the
 * member we meant to dial, and verification by a role name (serverName).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestCa, type IssueOptions, type TestCa, testCa } from '../../../test/fixtures/tls.ts';
import { message } from '../core/types.ts';
import { appMessage, type Started, startTransport, type Tls, waitFor } from './testkit.ts';
import type { PeerInfo } from './tls.ts';

let ca: TestCa;
let otherCa: TestCa;
const open: Started[] = [];

async function tls(id: string, opts: IssueOptions = {}, from = ca, trust = ca): Promise<Tls> {
  const { keyPem, certPem } = await from.issue(id, { ou: 'swarm-manager', o: 'cluster-1', ...opts });
  return { key: keyPem, cert: certPem, ca: trust.caPem };
}

async function member(id: string, t: Tls, opts: Parameters<typeof startTransport>[2] = {}): Promise<Started> {
  const s = await startTransport(id, t, opts);
  open.push(s);
  return s;
}

const managersOnly = (p: PeerInfo): string | null =>
  p.ou.includes('swarm-manager') ? null : `role ${p.ou.join(',')}`;

/** Sends heartbeats from a to b until a reports b unreachable; b must have received nothing. */
async function expectRefused(a: Started, b: Started, from = a.t.id): Promise<void> {
  await waitFor(`${a.t.id} reporting ${b.t.id} unreachable`, () => {
    a.t.send([message({ type: 'heartbeat', from, to: b.t.id })]);
    return a.inbox.unreachable.includes(b.t.id);
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(b.inbox.messages, []);
}

before(async () => {
  ca = await testCa();
  otherCa = await createTestCa('Another CA');
});

after(async () => {
  await Promise.all(open.map((s) => s.t.close()));
});

describe('GrpcTransport authentication', () => {
  it('refuses a client whose certificate comes from another CA', async () => {
    const b = await member('b1', await tls('b1'));
    const x = await member('x1', await tls('x1', {}, otherCa, ca));
    x.t.addPeer('b1', b.t.address());
    await expectRefused(x, b);
    // The handshake failed: the service never saw a call.
    assert.ok(!b.logs.some((l) => l.msg === 'peer refused'));
  });

  it('refuses a server whose certificate comes from another CA', async () => {
    const b = await member('b2', await tls('b2', {}, otherCa, ca));
    const a = await member('a2', await tls('a2'));
    a.t.addPeer('b2', b.t.address());
    await expectRefused(a, b);
  });

  it('applies authorizePeer to incoming calls', async () => {
    const b = await member('b3', await tls('b3'), { authorizePeer: managersOnly });
    const w = await member('w3', await tls('w3', { ou: 'swarm-worker' }));
    w.t.addPeer('b3', b.t.address());
    await expectRefused(w, b);
    assert.ok(b.logs.some((l) => l.msg === 'peer refused' && l.fields.reason === 'role swarm-worker'));
    // A manager gets through the same server.
    const m = await member('m3', await tls('m3'));
    m.t.addPeer('b3', b.t.address());
    m.t.send([appMessage('m3', 'b3', 1)]);
    await waitFor('manager message', () => b.inbox.messages.length === 1);
  });

  it('applies authorizePeer to the servers it dials', async () => {
    const sameCluster = (p: PeerInfo): string | null => (p.o.includes('cluster-1') ? null : `cluster ${p.o}`);
    const b = await member('b4', await tls('b4', { o: 'cluster-2' }));
    const a = await member('a4', await tls('a4'), { authorizePeer: sameCluster });
    a.t.addPeer('b4', b.t.address());
    await expectRefused(a, b);
  });

  it("refuses messages whose sender is not the certificate's member", async () => {
    const b = await member('b5', await tls('b5'));
    const a = await member('a5', await tls('a5'));
    a.t.addPeer('b5', b.t.address());
    await expectRefused(a, b, 'someone-else');
    assert.ok(b.logs.some((l) => l.msg === 'message from another member than the certificate'));
  });

  it('refuses a server that is not the member it was dialed for', async () => {
    const c = await member('c6', await tls('c6'));
    const a = await member('a6', await tls('a6'));
    a.t.addPeer('b6', c.t.address());
    a.t.send([message({ type: 'heartbeat', from: 'a6', to: 'b6' })]);
    await waitFor('unreachable', () => a.inbox.unreachable.includes('b6'));
    assert.deepEqual(c.inbox.messages, []);
  });

  it('verifies servers by serverName when certificates carry a role name instead of IPs', async () => {
    const roleCert = { ips: [], dns: ['swarm-manager'] };
    const b = await member('b7', await tls('b7', roleCert));
    const a = await member('a7', await tls('a7', roleCert), { serverName: 'swarm-manager' });
    a.t.addPeer('b7', b.t.address());
    a.t.send([appMessage('a7', 'b7', 1)]);
    await waitFor('message by role name', () => b.inbox.messages.length === 1);
    // Checking names without that override, the dialed IP is not in the certificate.
    const c = await member('c7', await tls('c7', roleCert), { checkPeerIds: false });
    c.t.addPeer('b7', b.t.address());
    await waitFor('unreachable', () => {
      c.t.send([message({ type: 'heartbeat', from: 'c7', to: 'b7' })]);
      return c.inbox.unreachable.includes('b7');
    });
    assert.equal(b.inbox.messages.length, 1);
  });
});
