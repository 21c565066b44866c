/**
 * Negative proofs against real daemons: who is refused, and with which words.
 *
 *   cluster A: m1 127.0.0.2 (init), m2 .3 (manager), w1 .4 (worker), w2 .5 (worker, removed)
 *   cluster B: o1 .6 (its own swarm)          joiners j1 .7, j2 .8, j3 .9 (fresh daemons)
 *   impostor  .10: an in-process cluster RPC server with its own CA (a "CA in the middle")
 *
 * The certificates used are the nodes' own, read from `<data dir>/certificates` as the
 * daemon wrote them, presented to m1's cluster port with @grpc/grpc-js through the repo's
 * channel pool (the same client code the daemons use, so the refusal is the server's).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { realClock } from '../../src/base/clock.ts';
import {
  chainsTo,
  createCsr,
  NodeTlsStore,
  parseNodeCert,
  signNodeCsr,
  splitCertificates,
  tokenMatchesRoot,
} from '../../src/ca/index.ts';
import { RaftClient } from '../../src/gen/shoal/raft/v1/raft.ts';
import { message } from '../../src/raft/core/types.ts';
import { messageToPb } from '../../src/raft/transport/codec.ts';
import {
  ForwardingControl,
  GrpcSessionDialer,
  MutableTlsProvider,
  RpcChannels,
  type TlsIdentity,
} from '../../src/rpc/index.ts';
import {
  type CaCall,
  createTestCa,
  nodeTls,
  type StartedServer,
  startServer,
  testCaBackend,
} from '../../src/rpc/testkit.ts';
import {
  type DaemonNode,
  e2eUnavailable,
  Harness,
  installHooks,
  joinSwarm,
  joinToken,
  nodeLs,
  swarmInfo,
  waitAllReady,
  waitFor,
} from './harness.ts';

const skip = e2eUnavailable();
const HOUR = 3_600_000;

interface OnDisk {
  identity: TlsIdentity;
  rootPem: string;
}

/** The node's certificate, key and root as its daemon stored them. */
async function onDisk(n: DaemonNode): Promise<OnDisk> {
  const store = new NodeTlsStore(join(n.dataDir, 'certificates'));
  const node = await store.readNode();
  const root = await store.readRoot();
  assert.ok(node && root, `${n.name} has no certificates on disk`);
  return { identity: { certPem: node.certPem, keyPem: node.keyPem }, rootPem: root };
}

describe('security of a swarm of shoal daemons', { skip: skip ?? false }, () => {
  const h = new Harness({ name: 'security', port: 24200 });
  installHooks(h);
  const pools: RpcChannels[] = [];
  let m1: DaemonNode;
  let m2: DaemonNode;
  let w1: DaemonNode;
  let w2: DaemonNode;
  let o1: DaemonNode;
  let workerToken = '';
  let cluster: Awaited<ReturnType<ForwardingControl['getCluster']>>;

  const pool = (identity: TlsIdentity | undefined, rootPem: string): RpcChannels => {
    const ch = new RpcChannels({
      tls: new MutableTlsProvider({ identity, rootsPem: rootPem }),
      serverName: 'swarm-manager',
      tuning: { backoff: { initialMs: 20, maxMs: 200 } },
    });
    pools.push(ch);
    return ch;
  };
  const control = (ch: RpcChannels, addr: string) =>
    new ForwardingControl({ channels: ch, leader: () => addr, timeoutMs: 5_000 });
  /** One Raft message on a Stream call to `addr`; the call's error, or null if accepted. */
  const raftSend = (ch: RpcChannels, addr: string, from: string): Promise<grpc.ServiceError | null> =>
    new Promise((resolve) => {
      const s = ch.client(addr, RaftClient).stream((err) => resolve(err));
      s.write({ messages: [messageToPb(message({ type: 'heartbeat', from, to: 'm1', term: 1 }))] });
      s.end();
    });
  /** `n`'s log lines refusing the certificate of `subject` at TLS. */
  const refusedAtTls = (n: DaemonNode, subject: string): string[] =>
    n
      .log()
      .split('\n')
      .filter((l) => l.includes('client certificate refused at TLS') && l.includes(`"subject":"${subject}"`));
  const issued = (n: DaemonNode): number =>
    n
      .log()
      .split('\n')
      .filter((l) => l.includes('"node certificate issued"')).length;

  before(async () => {
    [m1, m2, w1, w2, o1] = (await h.startNodes(['m1', 'm2', 'w1', 'w2', 'o1'])) as [
      DaemonNode,
      DaemonNode,
      DaemonNode,
      DaemonNode,
      DaemonNode,
    ];
    await m1.ok(['swarm', 'init']);
    workerToken = await joinToken(m1, 'worker');
    const managerToken = await joinToken(m1, 'manager');
    for (const [n, t] of [
      [m2, managerToken],
      [w1, workerToken],
      [w2, workerToken],
    ] as const) {
      const r = await joinSwarm(n, t, m1);
      assert.equal(r.code, 0, `${n.name}: ${r.stderr}`);
    }
    await o1.ok(['swarm', 'init']);
    await waitAllReady(m1, 4);
    // The manager's own certificate reads the whole Cluster object (root key included):
    // proof that the refusals below are about the caller, and the material to forge with.
    const mine = await onDisk(m2);
    cluster = await control(pool(mine.identity, mine.rootPem), m1.addr).getCluster();
    assert.ok(cluster.RootCA?.CAKey, 'a manager reads the root key through Control');
  });

  // A pool left open keeps redialing (and being refused): close each test's pools.
  afterEach(() => {
    for (const p of pools.splice(0)) p.close();
  });

  it('a malformed token, and a well-formed token with a wrong secret, are refused', async () => {
    const j = h.node('j1');
    await j.start();
    const bad = await j.docker(['swarm', 'join', '--token', 'SWMTKN-1-nonsense', m1.addr]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid join token/);
    const digest = workerToken.split('-')[2] as string;
    const wrong = `SWMTKN-1-${digest}-${'0'.repeat(24)}1`;
    const r = await j.docker(['swarm', 'join', '--token', wrong, m1.addr]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster/,
    );
    assert.equal((await swarmInfo(j)).LocalNodeState, 'inactive');
    assert.equal((await nodeLs(m1)).length, 4);
    await j.kill();
  });

  describe('a token whose CA digest does not match', () => {
    let impostor: StartedServer;
    const calls: CaCall[] = [];
    const impostorAddr = '127.0.0.10:24200';

    before(async () => {
      const fake = await createTestCa('Impostor CA');
      impostor = await startServer({
        listen: impostorAddr,
        tls: await nodeTls(fake, 'impostor', 'manager'),
        ca: testCaBackend(fake, calls),
      });
    });
    after(() => impostor.server.close());

    it('a CA in the middle: the join stops at its root, the token never reaches it', async () => {
      const j = h.node('j2');
      await j.start();
      const r = await j.docker(['swarm', 'join', '--token', workerToken, impostorAddr]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /remote CA does not match fingerprint\. Expected: [0-9a-f]{64}/);
      assert.equal(calls.length, 0, 'no certificate request (and so no token) reached the impostor');
      assert.equal((await swarmInfo(j)).LocalNodeState, 'inactive');
      await j.kill();
    });

    it('the real manager with a token naming another root: nothing is sent', async () => {
      const j = h.node('j3');
      await j.start();
      const before = issued(m1);
      const [, , digest = '', secret = ''] = workerToken.split('-');
      // The same secret, the digest of some other root (one base-36 digit changed).
      const other = digest.slice(0, -1) + (digest.endsWith('0') ? '1' : '0');
      const forged = `SWMTKN-1-${other}-${secret}`;
      const r = await j.docker(['swarm', 'join', '--token', forged, m1.addr]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /remote CA does not match fingerprint\. Expected: [0-9a-f]{64}/);
      assert.equal(issued(m1), before, 'm1 issued no certificate');
      assert.equal((await nodeLs(m1)).length, 4);
      await j.kill();
    });
  });

  it("a worker's certificate is refused by Control and Raft (it may only use the dispatcher)", async () => {
    const w = await onDisk(w1);
    assert.equal(parseNodeCert(w.identity.certPem).role, 'swarm-worker');
    const ch = pool(w.identity, w.rootPem);
    await assert.rejects(control(ch, m1.addr).getCluster(), (e: Error & { httpStatus?: number }) => {
      assert.match(
        e.message,
        /PermissionDenied desc = Permission denied: remote certificate not part of OUs: \[swarm-manager\]/,
      );
      assert.equal(e.httpStatus, 403);
      return true;
    });
    const err = await raftSend(ch, m1.addr, parseNodeCert(w.identity.certPem).nodeId);
    assert.ok(err, 'the Raft stream was refused');
    assert.match(err.details, /Permission denied: remote certificate not part of OUs: \[swarm-manager\]/);
    // The manager's Raft still has its two members and the worker is still a worker.
    const rows = await nodeLs(m1);
    assert.equal(rows.filter((r) => r.ManagerStatus !== '').length, 2);
  });

  it("another cluster's certificate is refused at TLS", async () => {
    const other = await onDisk(o1);
    assert.notEqual(other.rootPem, cluster.RootCA?.CACert);
    const subject = parseNodeCert(other.identity.certPem).nodeId;
    // Trusting A's root so that only the server's verdict on our certificate matters.
    const ch = pool(other.identity, cluster.RootCA?.CACert as string);
    await assert.rejects(control(ch, m1.addr).getCluster(), /Unavailable/);
    const lines = await waitFor('m1 to log the refusal', () => {
      const l = refusedAtTls(m1, subject);
      return l.length > 0 ? l : undefined;
    });
    assert.match(lines[0] as string, /"reason":"UNABLE_TO_VERIFY_LEAF_SIGNATURE"/);
  });

  it("a certificate of our CA naming another cluster is refused with swarmkit's words", async () => {
    const root = cluster.RootCA as { CACert: string; CAKey: string };
    const csr = await createCsr();
    const certPem = await signNodeCsr({ certPem: root.CACert, keyPem: root.CAKey }, csr.csrPem, {
      nodeId: 'forgednode0000000000000000',
      role: 'swarm-manager',
      clusterId: 'anotherclusterid000000000',
      clock: realClock,
    });
    const ch = pool({ certPem, keyPem: csr.keyPem }, root.CACert);
    await assert.rejects(control(ch, m1.addr).getCluster(), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`Permission denied: remote certificate not part of organization: ${cluster.ID}`),
      );
      return true;
    });
  });

  it('an expired certificate of our CA is refused at TLS', async () => {
    const root = cluster.RootCA as { CACert: string; CAKey: string };
    const csr = await createCsr();
    const past = { ...realClock, wallNow: () => Date.now() - 3 * HOUR };
    const certPem = await signNodeCsr({ certPem: root.CACert, keyPem: root.CAKey }, csr.csrPem, {
      nodeId: 'expirednode00000000000000',
      role: 'swarm-manager',
      clusterId: cluster.ID,
      clock: past,
      expiry: HOUR,
    });
    assert.ok(parseNodeCert(certPem).notAfter < Date.now());
    const ch = pool({ certPem, keyPem: csr.keyPem }, root.CACert);
    await assert.rejects(control(ch, m1.addr).getCluster(), /Unavailable/);
    const lines = await waitFor('m1 to log the refusal', () => {
      const l = refusedAtTls(m1, 'expirednode00000000000000');
      return l.length > 0 ? l : undefined;
    });
    assert.match(lines[0] as string, /"reason":"CERT_HAS_EXPIRED"/);
  });

  it("after docker node rm, the removed node's certificate is refused", async () => {
    const w = await onDisk(w2);
    const id = parseNodeCert(w.identity.certPem).nodeId;
    // Before: the certificate opens a dispatcher session.
    const okPool = pool(w.identity, w.rootPem);
    const d0 = await new GrpcSessionDialer({ channels: okPool, connectTimeoutMs: 5_000 }).dial(m1.addr);
    assert.ok(d0.ok, d0.ok ? '' : d0.error.message);
    d0.link.close();
    okPool.close();
    await w2.kill();
    await waitFor(
      'w2 Down',
      async () => (await nodeLs(m1)).find((r) => r.Hostname === 'w2')?.Status === 'Down',
      { timeoutMs: 60_000 },
    );
    await m1.ok(['node', 'rm', 'w2']);
    const ch = pool(w.identity, w.rootPem);
    const d = await new GrpcSessionDialer({ channels: ch, connectTimeoutMs: 5_000 }).dial(m1.addr);
    assert.ok(!d.ok, 'the removed node got a session');
    assert.match(d.error.message, new RegExp(`Permission denied: node ${id} was removed from swarm`));
    // The same on the other manager, and for renewal.
    const d2 = await new GrpcSessionDialer({ channels: ch, connectTimeoutMs: 5_000 }).dial(m2.addr);
    assert.ok(!d2.ok);
    assert.match(d2.error.message, /was removed from swarm/);
    // The daemon itself, restarted, does not come back into the node list.
    await w2.start();
    await new Promise((r) => setTimeout(r, 3_000));
    assert.ok(!(await nodeLs(m1)).some((r) => r.Hostname === 'w2'), 'the removed node came back');
    const info = await swarmInfo(w2);
    assert.notEqual(info.LocalNodeState === 'active' && info.Error === '', true, JSON.stringify(info));
  });

  describe('certificate expiry from the cluster spec', () => {
    it('below one hour is refused; 1h is taken and shown by docker info', async () => {
      const r = await m1.docker(['swarm', 'update', '--cert-expiry', '30m']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /minimum certificate expiry time is: 1h0m0s/);
      assert.match(await m1.ok(['swarm', 'update', '--cert-expiry', '1h']), /Swarm updated\./);
      assert.match(await m2.ok(['info']), /Expiry Duration: About an hour/);
    });

    it('a node joining now gets a one-hour certificate; a renewed one too, tasks undisturbed', async () => {
      const j = h.node('j4');
      await j.start();
      const r = await joinSwarm(j, workerToken, m2);
      assert.equal(r.code, 0, r.stderr);
      const c = parseNodeCert((await onDisk(j)).identity.certPem);
      const left = c.notAfter - Date.now();
      assert.ok(left > 0.9 * HOUR && left <= HOUR, `a fresh certificate has ${left} ms left`);
      // A task on w1 that must live through w1's renewals.
      await m1.ok([
        'service',
        'create',
        '-d',
        '--no-resolve-image',
        '--name',
        'keep',
        '--constraint',
        'node.hostname==w1',
        'shoal-busybox',
      ]);
      const tasksOnW1 = async () =>
        (
          await m1.ok([
            'service',
            'ps',
            'keep',
            '--no-trunc',
            '--format',
            '{{.ID}} {{.Node}} {{.CurrentState}}',
          ])
        )
          .trim()
          .split('\n');
      const [first = ''] = await waitFor(
        'keep running on w1',
        async () => {
          const rows = await tasksOnW1();
          return rows.length === 1 && / w1 Running/.test(rows[0] ?? '') ? rows : undefined;
        },
        { timeoutMs: 60_000 },
      );
      // A role change renews: w1 promoted gets a one-hour manager certificate, demoted a worker's.
      const before = parseNodeCert((await onDisk(w1)).identity.certPem).serial;
      await m1.ok(['node', 'promote', 'w1']);
      const renewed = await waitFor(
        "w1's manager certificate",
        async () => {
          const cert = parseNodeCert((await onDisk(w1)).identity.certPem);
          return cert.role === 'swarm-manager' ? cert : undefined;
        },
        { timeoutMs: 60_000 },
      );
      assert.notEqual(renewed.serial, before);
      const left2 = renewed.notAfter - Date.now();
      assert.ok(left2 > 0.9 * HOUR && left2 <= HOUR, `a renewed certificate has ${left2} ms left`);
      await m1.ok(['node', 'demote', 'w1']);
      await waitFor(
        "w1's worker certificate again",
        async () => parseNodeCert((await onDisk(w1)).identity.certPem).role === 'swarm-worker',
        { timeoutMs: 60_000 },
      );
      // The task never noticed: same task, still running, no replacement.
      const after = await tasksOnW1();
      assert.equal(after.length, 1, after.join('\n'));
      assert.equal(after[0]?.split(' ').slice(0, 3).join(' '), first.split(' ').slice(0, 3).join(' '));
    });

    it('docker swarm ca prints the root certificate every node trusts', async () => {
      const shown = (await m2.ok(['swarm', 'ca'])).trim();
      assert.match(shown, /^-----BEGIN CERTIFICATE-----/);
      for (const n of [m1, m2, w1]) assert.equal((await onDisk(n)).rootPem.trim(), shown);
    });

    it('docker swarm ca --rotate gives the swarm a new root that reaches the nodes', async () => {
      const j4 = h.nodes.find((n) => n.name === 'j4') as DaemonNode;
      const nodes = [m1, m2, w1, j4];
      const shown = (await m1.ok(['swarm', 'ca'])).trim();
      const tokenBefore = await joinToken(m1, 'worker');
      const keepBefore = await m1.ok(['service', 'ps', 'keep', '-q', '--no-trunc']);
      // Without --detach the CLI follows the rotation (GET /swarm TLSInfo and
      // RootRotationInProgress, every node's TLSInfo) and prints the new root at the end.
      const r = await m1.docker(['swarm', 'ca', '--rotate'], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /rotated TLS certificates/);
      assert.match(r.stdout, /rotated CA certificates/);
      const after = (await m2.ok(['swarm', 'ca'])).trim();
      assert.notEqual(after, shown, 'a new root');
      assert.ok(r.stdout.trim().endsWith(after), r.stdout);
      const info = JSON.parse(await m1.ok(['info', '--format', '{{json .Swarm.Cluster}}'])) as {
        RootRotationInProgress: boolean;
      };
      assert.equal(info.RootRotationInProgress, false);
      // Every node stores the new root, and holds a certificate the new root issued.
      for (const n of nodes) {
        const disk = await waitFor(`the new root on ${n.name}'s disk`, async () => {
          const d = await onDisk(n);
          return d.rootPem.trim() === after ? d : undefined;
        });
        assert.ok(chainsTo(disk.identity.certPem, [disk.rootPem]), `${n.name}'s certificate`);
        assert.ok(!chainsTo(splitCertificates(disk.identity.certPem)[0] as string, [shown]));
      }
      // The join tokens name the new root.
      const tokenAfter = await joinToken(m1, 'worker');
      assert.notEqual(tokenAfter.split('-')[2], tokenBefore.split('-')[2]);
      assert.ok(tokenMatchesRoot(tokenAfter, `${after}\n`));
      // The old root is no longer trusted: a certificate it signs is refused at TLS.
      const oldRoot = cluster.RootCA as { CACert: string; CAKey: string };
      assert.equal(oldRoot.CACert.trim(), shown);
      const csr = await createCsr();
      const forged = await signNodeCsr({ certPem: oldRoot.CACert, keyPem: oldRoot.CAKey }, csr.csrPem, {
        nodeId: 'oldrootnode00000000000000',
        role: 'swarm-manager',
        clusterId: cluster.ID,
        clock: realClock,
      });
      const ch = pool({ certPem: forged, keyPem: csr.keyPem }, `${after}\n`);
      await assert.rejects(control(ch, m1.addr).getCluster(), /Unavailable/);
      // The swarm kept working and its tasks were not disturbed.
      assert.equal(await m1.ok(['service', 'ps', 'keep', '-q', '--no-trunc']), keepBefore);
      const rows = await nodeLs(m1);
      assert.ok(
        rows.every((x) => x.Status === 'Ready'),
        JSON.stringify(rows),
      );
    });
  });
  describe('renewal of short-lived certificates while a service runs', () => {
    // Docker's minimum lifetime is an hour; these two daemons run with the test-only
    // SHOAL_TEST_MIN_CERT_EXPIRY_MS, so `docker swarm init --cert-expiry 6s` is taken.
    const LIFETIME_S = 6;
    let r1: DaemonNode;
    let r2: DaemonNode;

    before(async () => {
      const env = { SHOAL_TEST_MIN_CERT_EXPIRY_MS: '2000' };
      r1 = h.node('r1', { env });
      r2 = h.node('r2', { env });
      await Promise.all([r1.start(), r2.start()]);
      await r1.ok(['swarm', 'init', '--cert-expiry', `${LIFETIME_S}s`]);
      const r = await joinSwarm(r2, await joinToken(r1, 'worker'), r1);
      assert.equal(r.code, 0, r.stderr);
      await waitAllReady(r1, 2);
    });

    it('every node renews at 50-80% of its lifetime, the tasks untouched', async () => {
      await r1.ok([
        'service',
        'create',
        '-d',
        '--no-resolve-image',
        '--name',
        'steady',
        '--replicas',
        '2',
        'shoal-busybox',
      ]);
      const running = async () =>
        (
          await r1.ok([
            'service',
            'ps',
            'steady',
            '--filter',
            'desired-state=running',
            '--no-trunc',
            '--format',
            '{{.ID}} {{.Node}} {{.CurrentState}}',
          ])
        )
          .trim()
          .split('\n')
          .map((l) => l.split(' ').slice(0, 3).join(' '))
          .sort();
      const before = await waitFor(
        'steady 2 running',
        async () => {
          const rows = await running();
          return rows.length === 2 && rows.every((x) => x.endsWith('Running')) ? rows : undefined;
        },
        { timeoutMs: 30_000 },
      );
      const serials = new Map<string, Set<string>>([
        ['r1', new Set()],
        ['r2', new Set()],
      ]);
      // Over four lifetimes, renewal at 50-80% gives each node at least three new certificates.
      const end = Date.now() + 4 * LIFETIME_S * 1000;
      while (Date.now() < end) {
        for (const n of [r1, r2]) {
          const c = parseNodeCert((await onDisk(n)).identity.certPem);
          serials.get(n.name)?.add(c.serial);
          // LIFETIME_S ahead, backdated a tenth of that (clock skew allowance).
          assert.ok(
            c.notAfter - c.notBefore <= (LIFETIME_S + 1) * 1000,
            `${n.name}: a long-lived certificate`,
          );
          assert.ok(c.notAfter > Date.now() - 1_000, `${n.name}: its certificate expired unrenewed`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      for (const [name, s] of serials) assert.ok(s.size >= 4, `${name} had ${s.size} certificates`);
      // Mutual TLS with renewed certificates works and nothing was restarted.
      assert.deepEqual(await running(), before);
      const rows = await nodeLs(r1);
      assert.deepEqual(
        rows.map((x) => x.Status),
        ['Ready', 'Ready'],
      );
    });
  });
});
