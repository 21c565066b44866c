/**
 * Secrets and data at rest, and autolock, on real daemons through the docker CLI.
 *
 *   m1 127.0.0.2 (init), m2 .3, m3 .4 (managers), w1 .5 (worker)
 *
 * A secret is made from a random marker on stdin; then every file under every daemon's
 * data directory (Raft WAL and snapshots, keys, certificates, state) is searched for the
 * marker's bytes and their base64 (at each of the three alignments): before and after the
 * managers restart, and after autolock is turned on.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  type DaemonNode,
  e2eUnavailable,
  formSwarm,
  Harness,
  installHooks,
  nodeLs,
  swarmInfo,
  waitAllReady,
  waitFor,
} from './harness.ts';

const skip = e2eUnavailable();
const LOCKED =
  'Swarm is encrypted and needs to be unlocked before it can be used. Please use "docker swarm unlock" to unlock it.';

/** Every regular file under `dir`. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** The marker's bytes and the parts of its base64 that do not depend on what precedes it. */
function needles(marker: Buffer): Buffer[] {
  const out = [marker, Buffer.from(marker.toString('hex'))];
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), marker]).toString('base64');
    out.push(Buffer.from(k === 0 ? b64.replace(/=+$/, '').slice(0, -4) : b64.slice(4, -4)));
  }
  return out;
}

/** The files under the given directories containing any needle. */
function filesContaining(dirs: string[], marker: Buffer): string[] {
  const ns = needles(marker);
  const hits: string[] = [];
  for (const d of dirs)
    for (const f of filesUnder(d)) {
      const body = readFileSync(f);
      if (ns.some((n) => body.includes(n))) hits.push(f);
    }
  return hits;
}

describe('secrets at rest and autolock', { skip: skip ?? false }, () => {
  const h = new Harness({ name: 'secrets', port: 24300 });
  installHooks(h);
  let m1: DaemonNode;
  let m2: DaemonNode;
  let m3: DaemonNode;
  let w1: DaemonNode;
  let all: DaemonNode[];
  const marker = Buffer.from(`shoal-e2e-secret-${randomBytes(16).toString('hex')}`);
  let unlockKey = '';

  before(async () => {
    all = await h.startNodes(['m1', 'm2', 'm3', 'w1']);
    [m1, m2, m3, w1] = all as [DaemonNode, DaemonNode, DaemonNode, DaemonNode];
    await formSwarm(m1, [m2, m3], [w1]);
    await waitAllReady(m1, 4);
  });

  /** Waits until `via` sees every node Ready, one Leader and three managers reachable. */
  const settled = (via: DaemonNode) =>
    waitFor(
      `a settled swarm seen from ${via.name}`,
      async () => {
        const rows = await nodeLs(via);
        return rows.length === 4 &&
          rows.every((r) => r.Status === 'Ready') &&
          rows.filter((r) => r.ManagerStatus === 'Leader').length === 1 &&
          rows.filter((r) => r.ManagerStatus === 'Reachable').length === 2
          ? rows
          : undefined;
      },
      { timeoutMs: 60_000 },
    );

  it('docker secret create from stdin; ls and inspect show no data', async () => {
    const id = (await m2.ok(['secret', 'create', 's', '-'], { input: marker.toString() })).trim();
    assert.match(id, /^[0-9a-z]{25}$/);
    const ls = await m1.ok(['secret', 'ls']);
    assert.match(ls, new RegExp(`${id}\\s+s\\s`));
    const raw = await m3.ok(['secret', 'inspect', 's']);
    const [inspected] = JSON.parse(raw) as Array<{ ID: string; Spec: { Name: string; Data?: string } }>;
    assert.equal(inspected?.ID, id);
    assert.equal(inspected?.Spec.Name, 's');
    assert.equal(inspected?.Spec.Data, undefined);
    assert.ok(!raw.includes(marker.toString()) && !raw.includes(marker.toString('base64')));
    const dup = await m1.docker(['secret', 'create', 's', '-'], { input: 'x' });
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /already exists/);
  });

  it('a secret used by a service cannot be removed', async () => {
    await m1.ok([
      'service',
      'create',
      '-d',
      '--no-resolve-image',
      '--name',
      'uses',
      '--secret',
      's',
      'shoal-busybox',
    ]);
    await waitFor(
      'uses 1/1',
      async () =>
        (await m1.ok(['service', 'ls', '--format', '{{.Name}} {{.Replicas}}'])).includes('uses 1/1'),
      { timeoutMs: 60_000 },
    );
    const r = await m1.docker(['secret', 'rm', 's']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /secret 's' is in use by the following service: uses/);
  });

  it("the secret's bytes appear in no file of any data directory", () => {
    assert.deepEqual(
      filesContaining(
        all.map((n) => n.dataDir),
        marker,
      ),
      [],
    );
  });

  it('nor after every manager restarts (the Raft log replayed from disk)', async () => {
    for (const m of [m1, m2, m3]) {
      await m.restart();
      await settled(m);
    }
    const raw = JSON.parse(await m2.ok(['secret', 'inspect', 's'])) as Array<{ Spec: { Name: string } }>;
    assert.equal(raw[0]?.Spec.Name, 's', 'the secret survived the restarts');
    assert.deepEqual(
      filesContaining(
        all.map((n) => n.dataDir),
        marker,
      ),
      [],
    );
    // The daemons' own logs do not carry it either.
    assert.deepEqual(
      all.filter((n) => n.log().includes(marker.toString())).map((n) => n.name),
      [],
    );
  });

  it('docker swarm update --autolock=true prints the unlock key', async () => {
    const out = await m1.ok(['swarm', 'update', '--autolock=true']);
    const m = /(SWMKEY-1-[A-Za-z0-9+/=_-]+)/.exec(out);
    assert.ok(m, out);
    unlockKey = m[1] as string;
    assert.match(out, /docker swarm unlock/);
    assert.equal((await m2.ok(['swarm', 'unlock-key', '-q'])).trim(), unlockKey);
    assert.match(await m3.ok(['info']), /Autolock Managers: true/);
    // Each manager rewraps its data key once it applies the update (a manager restarted
    // before that comes back unlocked, as Docker's does): wait for every key file to be sealed.
    await waitFor('every manager to seal its data key', () =>
      [m1, m2, m3].every((m) => {
        const file = JSON.parse(readFileSync(join(m.dataDir, 'keys', 'raft-dek.json'), 'utf8')) as {
          dek: string;
        };
        return Buffer.from(file.dek, 'base64')[1] !== 0; // envelope byte 1: the algorithm, 0 = not sealed
      }),
    );
  });

  it('a restarted manager is locked: the API says so in Docker’s words', async () => {
    await m3.restart();
    const info = await swarmInfo(m3);
    assert.equal(info.LocalNodeState, 'locked');
    assert.match(await m3.ok(['info']), /Swarm: locked/);
    const r = await m3.docker(['node', 'ls']);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(LOCKED), r.stderr);
    const s = await m3.docker(['secret', 'ls']);
    assert.notEqual(s.code, 0);
    assert.ok(s.stderr.includes(LOCKED), s.stderr);
  });

  it('docker swarm unlock: a wrong key is refused, the right one (on stdin) unlocks', async () => {
    const wrongKey = `SWMKEY-1-${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    const wrong = await m3.docker(['swarm', 'unlock'], { input: `${wrongKey}\n` });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /swarm could not be unlocked: invalid key provided/);
    const garbage = await m3.docker(['swarm', 'unlock'], { input: 'not-a-key\n' });
    assert.notEqual(garbage.code, 0);
    assert.match(garbage.stderr, /invalid key string|invalid key provided/);
    assert.equal((await swarmInfo(m3)).LocalNodeState, 'locked');
    const ok = await m3.docker(['swarm', 'unlock'], { input: `${unlockKey}\n` });
    assert.equal(ok.code, 0, ok.stderr);
    await waitFor('m3 active', async () => (await swarmInfo(m3)).LocalNodeState === 'active');
    await settled(m3);
    const again = await m3.docker(['swarm', 'unlock'], { input: `${unlockKey}\n` });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /swarm is not locked/);
  });

  it('with autolock on and every manager restarted and unlocked, the secret is still nowhere on disk', async () => {
    for (const m of [m1, m2]) {
      await m.restart();
      assert.equal((await swarmInfo(m)).LocalNodeState, 'locked');
      await m.ok(['swarm', 'unlock'], { input: `${unlockKey}\n` });
      await settled(m);
    }
    assert.match(await m1.ok(['secret', 'ls']), /\ss\s/);
    assert.deepEqual(
      filesContaining(
        all.map((n) => n.dataDir),
        marker,
      ),
      [],
    );
    // The unlock key itself is never written to a node's disk.
    assert.deepEqual(
      filesContaining(
        all.map((n) => n.dataDir),
        Buffer.from(unlockKey),
      ),
      [],
    );
    assert.ok(w1.running);
  });
});
