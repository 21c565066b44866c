// Performance guards with generous bounds (the machine may be busy): a batch of 20,000
// task creates stays in seconds, and the hot lookups stay index lookups (a scan of 20,000
// tasks would cost a millisecond or more each). Figures at 100,000: bench.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newNode, newTask, testStore } from './testing.ts';

test('20,000 task creates in one batch, then lookups by service, node and slot stay indexed', async () => {
  const s = testStore({ freeze: false });
  const NODES = 1_000;
  await s.batch((b) => {
    for (let i = 0; i < NODES; i++) b.update((tx) => tx.nodes.create(newNode(`node${i}`, `host${i}`)));
  });
  const t0 = performance.now();
  const res = await s.batch((b) => {
    for (let i = 0; i < 20_000; i++) {
      b.update((tx) =>
        tx.tasks.create(
          newTask(`task${i}`, `svc${i % 20}`, { Slot: Math.floor(i / 20) + 1, NodeID: `node${i % NODES}` }),
        ),
      );
    }
  });
  const createMs = performance.now() - t0;
  assert.equal(res.applied, 20_000);
  assert.equal(res.entries, 20);
  assert.ok(createMs < 15_000, `20,000 creates took ${createMs.toFixed(0)} ms`);
  const per = (fn: (i: number) => number, n = 2_000): number => {
    const t = performance.now();
    let sink = 0;
    for (let i = 0; i < n; i++) sink += fn(i);
    assert.ok(sink > 0);
    return ((performance.now() - t) * 1000) / n;
  };
  const slot = per((i) => s.view((tx) => tx.tasks.bySlot(`svc${i % 20}`, (i % 1_000) + 1).length));
  const node = per((i) => s.view((tx) => tx.tasks.byNode(`node${i % NODES}`).length));
  const byId = per((i) => (s.view((tx) => tx.tasks.get(`task${i}`)) ? 1 : 0));
  const prefix = per((i) => (s.view((tx) => tx.tasks.lookup(`task${i + 10_000}`)).ok ? 1 : 0));
  for (const [what, us] of Object.entries({ slot, node, byId, prefix })) {
    assert.ok(us < 100, `${what} lookup took ${us.toFixed(1)} µs`);
  }
});
