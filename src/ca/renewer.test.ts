/**
 * The renewer on virtual time: renews inside the 50-80% window of each certificate, backs
 * off after failures, renews at once when asked (role change) until the role matches, and
 * stops when disposed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../base/rng.ts';
import type { NodeCertRole } from './names.ts';
import { parseNodeCert } from './node-cert.ts';
import { CertificateRenewer, type NodeMaterial, type RenewalEvent } from './renewer.ts';
import { nodeCert, runUntil, virtualClock } from './testkit.ts';

const DAY = 24 * 3600_000;

async function setup(opts: { expiry?: number; role?: NodeCertRole } = {}) {
  const { vt, clock } = virtualClock();
  const first = await nodeCert({ nodeId: 'n1', ...opts }, clock);
  const pending = new Set<Promise<unknown>>();
  const calls: number[] = [];
  let script: Array<'fail' | NodeCertRole> = [];
  const renew = (): Promise<NodeMaterial> => {
    calls.push(vt.now);
    const step = script.shift() ?? opts.role ?? 'swarm-worker';
    const p =
      step === 'fail'
        ? Promise.reject(new Error('CA unreachable'))
        : nodeCert({ nodeId: 'n1', role: step, ...(opts.expiry ? { expiry: opts.expiry } : {}) }, clock);
    pending.add(p.catch(() => undefined));
    return p;
  };
  const renewer = new CertificateRenewer({ clock, rng: new SeededRng(3), certPem: first.certPem, renew });
  const events: RenewalEvent[] = [];
  renewer.subscribe((e) => events.push(e));
  return {
    vt,
    clock,
    renewer,
    calls,
    events,
    first,
    run: (until: number) => runUntil(vt, until, pending),
    script: (s: Array<'fail' | NodeCertRole>) => {
      script = s;
    },
  };
}

describe('CertificateRenewer', () => {
  it('renews each certificate between 50% and 80% of its life', async () => {
    const t = await setup();
    t.renewer.start();
    let cert = parseNodeCert(t.first.certPem);
    await t.run(365 * DAY);
    assert.ok(t.calls.length >= 4 && t.calls.length <= 8, `${t.calls.length} renewals`);
    for (const [i, at] of t.calls.entries()) {
      const wall = 1_700_000_000_000 + at;
      const f = (wall - cert.notBefore) / (cert.notAfter - cert.notBefore);
      assert.ok(f >= 0.5 && f < 0.8, `renewal ${i} at ${f}`);
      const e = t.events[i];
      assert.ok(e?.kind === 'renewed' && e.expectedRoleMet);
      cert = e.cert;
      assert.equal(cert.nodeId, 'n1');
    }
    assert.equal(t.renewer.current, cert);
    t.renewer.dispose();
  });

  it('retries a failed renewal with backoff, then returns to the normal schedule', async () => {
    const t = await setup();
    t.script(['fail', 'fail']);
    t.renewer.start();
    await t.run(80 * DAY);
    assert.equal(t.calls.length, 3);
    const [a, b, c] = t.calls as [number, number, number];
    assert.ok(b - a >= 5_000 && b - a < 10_000, `first retry after ${b - a}`);
    assert.ok(c - b >= 7_500 && c - b < 15_000, `second retry after ${c - b}`);
    assert.deepEqual(
      t.events.map((e) => (e.kind === 'failed' ? `failed ${e.failures}` : 'renewed')),
      ['failed 1', 'failed 2', 'renewed'],
    );
    const f0 = t.events[0];
    assert.ok(f0?.kind === 'failed' && f0.retryInMs === b - a);
    // The next renewal is at least half a certificate lifetime away again.
    assert.ok((t.renewer.nextAttemptAt ?? 0) - c >= 45 * DAY);
    t.renewer.dispose();
  });

  it('renews 500 ms after renewNow, retrying until the certificate has the expected role', async () => {
    const t = await setup();
    t.renewer.start();
    await t.run(1000);
    t.renewer.setExpectedRole('swarm-manager');
    t.renewer.renewNow();
    t.script(['swarm-worker', 'fail', 'swarm-manager']); // the CA has not reconciled the promotion yet
    await t.run(10 * 60_000);
    assert.equal(t.calls[0], 1500);
    assert.equal(t.calls.length, 3);
    assert.deepEqual(
      t.events.map((e) => (e.kind === 'failed' ? 'failed' : `${e.cert.role} ${e.expectedRoleMet}`)),
      ['swarm-worker false', 'failed', 'swarm-manager true'],
    );
    assert.equal(t.renewer.current.role, 'swarm-manager');
    assert.ok((t.renewer.nextAttemptAt ?? 0) - t.vt.now > 40 * DAY);
    t.renewer.dispose();
  });

  it('renews an expired certificate at once', async () => {
    const t = await setup({ expiry: 3600_000 });
    t.vt.now = 2 * 3600_000; // the certificate expired an hour ago
    t.renewer.start();
    await t.run(2 * 3600_000 + 10);
    assert.deepEqual(t.calls, [2 * 3600_000]);
    t.renewer.dispose();
  });

  it('stops when disposed, ignoring an attempt in flight', async () => {
    const t = await setup();
    t.renewer.renewNow();
    await t.run(499);
    assert.equal(t.calls.length, 0);
    t.renewer.dispose();
    await t.run(400 * DAY);
    assert.equal(t.calls.length, 0);
    assert.equal(t.vt.pending, 0);

    const u = await setup();
    u.renewer.renewNow();
    u.vt.next(1000)?.(); // the attempt starts...
    u.renewer.dispose(); // ...and the owner goes away before it ends
    await u.run(400 * DAY);
    assert.equal(u.calls.length, 1);
    assert.equal(u.events.length, 0);
    assert.equal(u.renewer.nextAttemptAt, null);
  });
});
