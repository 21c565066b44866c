import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeed } from './run.ts';

test('a seed replays exactly: same trace, same figures', async () => {
  const a = await runSeed(42);
  const b = await runSeed(42);
  assert.equal(a.ok, true, a.failures.join('\n'));
  assert.deepEqual(b.trace, a.trace);
  assert.deepEqual(b.stats, a.stats);
});

test('different seeds make different runs', async () => {
  const a = await runSeed(7);
  const b = await runSeed(8);
  assert.notDeepEqual(a.trace, b.trace);
});

test('the simulation does real work: elections, commits and completed client operations', async () => {
  const r = await runSeed(3, { size: 5, membershipChanges: 1 });
  assert.equal(r.ok, true, r.failures.join('\n'));
  assert.ok(r.stats.elections >= 1);
  assert.ok(r.stats.committed > 50, `committed ${r.stats.committed}`);
  assert.ok(r.stats.completed > 100, `completed ${r.stats.completed}`);
  assert.ok(r.stats.membershipChanges >= 2, `membership changes ${r.stats.membershipChanges}`);
});
