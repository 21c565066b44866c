import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Heap } from './heap.ts';

test('pops in sorted order whatever the pushes, pops and top updates', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 50 })),
      fc.array(fc.tuple(fc.constantFrom('push', 'pop', 'bump'), fc.integer({ min: 0, max: 50 })), {
        maxLength: 60,
      }),
      (initial, ops) => {
        const boxes = initial.map((v) => ({ v }));
        const heap = new Heap<{ v: number }>((a, b) => a.v < b.v, [...boxes]);
        const model = initial.slice();
        for (const [op, v] of ops) {
          if (op === 'push') {
            heap.push({ v });
            model.push(v);
          } else if (op === 'pop') {
            model.sort((a, b) => a - b);
            assert.equal(heap.pop()?.v, model.shift());
          } else {
            const top = heap.peek();
            if (top === undefined) continue;
            model.sort((a, b) => a - b);
            model[0] = (model[0] as number) + v;
            top.v += v;
            heap.updateTop();
          }
          assert.equal(heap.size, model.length);
        }
        const rest: number[] = [];
        for (let x = heap.pop(); x !== undefined; x = heap.pop()) rest.push(x.v);
        assert.deepEqual(
          rest,
          model.sort((a, b) => a - b),
        );
      },
    ),
  );
});
