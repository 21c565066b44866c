import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../base/rng.ts';
import { ID_LENGTH, isFullId, newId } from './ids.ts';

test('ids are 25 base-36 characters, distinct, and replay with the seed', () => {
  const a = new SeededRng(5);
  const b = new SeededRng(5);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = newId(a);
    assert.equal(id.length, ID_LENGTH);
    assert.ok(isFullId(id), id);
    assert.equal(id, newId(b));
    seen.add(id);
  }
  assert.equal(seen.size, 2000);
  assert.equal(isFullId('web'), false);
});
