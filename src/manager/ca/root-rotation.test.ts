/**
 * A root rotation through the control API and the leader's reconciler, on a store: the
 * spec's ForceRotate starts it, nodes reporting certificates of the new root finish it,
 * and the join tokens then carry the new root's digest.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realClock } from '../../base/clock.ts';
import { createJoinTokens, desiredIssuer, issuerOfRoot, tokenMatchesRoot } from '../../ca/index.ts';
import { sharedRoot } from '../../ca/testkit.ts';
import { addNode, setup } from '../controlapi/testing.ts';
import { RootRotationReconciler } from './root-rotation.ts';

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('root rotation on a store', () => {
  it('ForceRotate starts it; every node on the new root finishes it', async () => {
    const f = setup();
    const root = await sharedRoot();
    const tokens = createJoinTokens(root.certPem);
    await f.store.update((tx) =>
      tx.clusters.create({
        ID: 'cluster00000000000000000001',
        Spec: { Name: 'default' },
        RootCA: { CACert: root.certPem, CAKey: root.keyPem },
        JoinTokens: { Worker: tokens.worker, Manager: tokens.manager },
      }),
    );
    await addNode(f, 'n1', 'one');
    await addNode(f, 'n2', 'two');
    const rec = new RootRotationReconciler({ store: f.store, clock: realClock, intervalMs: 60_000 });
    rec.start();
    try {
      const c0 = await f.api.getCluster();
      // The same ForceRotate changes nothing; a higher one starts a rotation.
      await f.api.updateCluster(c0.Version.Index, { CAConfig: { ForceRotate: 0 } });
      const c1 = await f.api.getCluster();
      assert.equal(c1.RootCA?.RootRotation, undefined);
      await f.api.updateCluster(c1.Version.Index, { CAConfig: { ForceRotate: 1 } });
      const c2 = await f.api.getCluster();
      const next = c2.RootCA?.RootRotation?.CACert as string;
      assert.ok(next, 'a rotation is in progress');
      assert.equal(c2.RootCA?.CACert, root.certPem);
      assert.equal(c2.RootCA?.LastForcedRotation, 1);
      assert.equal(c2.Spec.CAConfig?.ForceRotate, 1);
      // One node on the new root: not yet.
      const want = desiredIssuer(c2.RootCA as { CACert: string });
      const report = (id: string, issuer: { subjectBase64: string; publicKeyBase64: string }) =>
        f.store.update((tx) => {
          const n = tx.nodes.get(id);
          assert.ok(n?.Description);
          tx.nodes.update(n, {
            Description: {
              ...n.Description,
              TLSInfo: {
                CertIssuerSubject: issuer.subjectBase64,
                CertIssuerPublicKey: issuer.publicKeyBase64,
              },
            },
          });
        });
      await report('n1', want);
      await report('n2', issuerOfRoot(root.certPem));
      await settle();
      assert.ok((await f.api.getCluster()).RootCA?.RootRotation);
      await report('n2', want);
      await settle();
      const done = await f.api.getCluster();
      assert.equal(done.RootCA?.CACert, next);
      assert.equal(done.RootCA?.RootRotation, undefined);
      assert.ok(tokenMatchesRoot(done.JoinTokens?.Worker as string, next));
      assert.ok(tokenMatchesRoot(done.JoinTokens?.Manager as string, next));
      assert.ok(!tokenMatchesRoot(done.JoinTokens?.Worker as string, root.certPem));
    } finally {
      rec.stop();
    }
  });
});
