import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter } from './limiter.ts';

describe('Limiter', () => {
  it('never lets more than `limit` run at once, and serves waiters in order', async () => {
    const l = new Limiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) =>
      l.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        order.push(i);
        running--;
      });
    await Promise.all([0, 1, 2, 3, 4, 5].map(job));
    assert.equal(peak, 2);
    assert.deepEqual(order.slice(2).sort(), [2, 3, 4, 5]);
    assert.equal(l.active, 0);
    assert.equal(l.queued, 0);
  });
  it('a release called twice frees one place only', async () => {
    const l = new Limiter(1);
    const r1 = await l.acquire();
    const second = l.acquire();
    r1();
    r1();
    const r2 = await second;
    assert.equal(l.active, 1);
    r2();
    assert.equal(l.active, 0);
  });
  it('refuses a limit below 1', () => {
    assert.throws(() => new Limiter(0), /bad limit/);
  });
});
