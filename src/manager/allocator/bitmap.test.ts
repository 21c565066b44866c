import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bitmap } from './bitmap.ts';

describe('Bitmap', () => {
  it('sets, clears and counts, refusing bits outside the range', () => {
    const b = new Bitmap(70);
    assert.equal(b.set(3), true);
    assert.equal(b.set(3), false);
    assert.equal(b.set(69), true);
    assert.equal(b.count, 2);
    assert.equal(b.has(3), true);
    assert.equal(b.has(4), false);
    assert.equal(b.has(70), false);
    assert.equal(b.clear(3), true);
    assert.equal(b.clear(3), false);
    assert.equal(b.count, 1);
    assert.throws(() => b.set(70), RangeError);
    assert.throws(() => b.set(-1), RangeError);
  });

  it('firstClear finds the lowest clear bit in a range, across full words', () => {
    const b = new Bitmap(200);
    for (let i = 0; i < 100; i++) b.set(i);
    assert.equal(b.firstClear(0, 199), 100);
    assert.equal(b.firstClear(5, 99), -1);
    assert.equal(b.firstClear(150, 160), 150);
    b.clear(37);
    assert.equal(b.firstClear(0, 199), 37);
    assert.equal(b.firstClear(38, 199), 100);
    assert.equal(b.firstClear(120, 110), -1);
  });

  it('firstClear never reports bits past the size in the last word', () => {
    const b = new Bitmap(33);
    for (let i = 0; i < 33; i++) b.set(i);
    assert.equal(b.firstClear(0, 1000), -1);
  });

  it('nextClear goes on after the cursor and wraps around', () => {
    const b = new Bitmap(16);
    b.set(2);
    b.set(3);
    assert.equal(b.nextClear(1, 1, 14), 4);
    assert.equal(b.nextClear(14, 1, 14), 1);
    for (let i = 4; i <= 14; i++) b.set(i);
    assert.equal(b.nextClear(14, 1, 14), 1);
    b.set(1);
    assert.equal(b.nextClear(5, 1, 14), -1);
    assert.equal(b.nextClear(0, 1, 14), -1);
  });

  it('agrees with a naive model on random operations', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const size = 300;
    const b = new Bitmap(size);
    const model = new Set<number>();
    for (let step = 0; step < 5000; step++) {
      const i = rnd(size);
      if (rnd(2)) {
        assert.equal(b.set(i), !model.has(i));
        model.add(i);
      } else {
        assert.equal(b.clear(i), model.has(i));
        model.delete(i);
      }
      const lo = rnd(size);
      const hi = lo + rnd(size - lo);
      let want = -1;
      for (let j = lo; j <= hi; j++)
        if (!model.has(j)) {
          want = j;
          break;
        }
      assert.equal(b.firstClear(lo, hi), want);
    }
    assert.equal(b.count, model.size);
  });
});
