import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock, Timer } from '../../../base/clock.ts';
import type { MeshEndpoint } from '../types.ts';
import { Backends } from './backends.ts';

/** A clock whose timers run when told. */
class StepClock implements Clock {
  ms = 0;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now(): number {
    return this.ms;
  }
  wallNow(): number {
    return this.ms;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    const t = { at: this.ms + ms, fn, live: true };
    this.timers.push(t);
    return { cancel: () => (t.live = false) };
  }
  setInterval(): Timer {
    throw new Error('no intervals');
  }
  advance(ms: number): void {
    this.ms += ms;
    for (const t of this.timers.filter((x) => x.live && x.at <= this.ms)) {
      t.live = false;
      t.fn();
    }
  }
}

const ep = (id: string, drainMs = 1000): MeshEndpoint => ({
  id,
  host: '10.0.0.1',
  port: 80 + id.length,
  drainMs,
  local: false,
});

describe('Backends', () => {
  it('round-robin visits every endpoint in turn, and skips excluded ones', () => {
    const b = new Backends(new StepClock());
    b.update([ep('a'), ep('bb'), ep('ccc')]);
    const seq = Array.from({ length: 6 }, () => b.pick()!.ep.id);
    assert.deepEqual(seq, ['a', 'bb', 'ccc', 'a', 'bb', 'ccc']);
    const first = b.pick()!;
    assert.notEqual(b.pick(new Set([first])), first);
    b.update([]);
    assert.equal(b.pick(), undefined);
  });

  it('least-connections picks the endpoint with the fewest open flows', () => {
    const b = new Backends(new StepClock(), 'least-connections');
    b.update([ep('a'), ep('bb')]);
    const x = b.pick()!;
    x.track({ close() {} });
    x.track({ close() {} });
    assert.notEqual(b.pick(), x);
    assert.notEqual(b.pick(), x);
  });

  it('drains a removed endpoint: flows close at its deadline, unless it comes back', () => {
    const clock = new StepClock();
    const b = new Backends(clock);
    b.update([ep('a', 500), ep('bb', 500)]);
    const closed: string[] = [];
    const a = b.pick()!;
    a.track({ close: () => closed.push('a1') });
    b.update([ep('bb')]);
    assert.deepEqual(b.liveKeys().length, 1);
    assert.equal(b.drainingCount(), 1);
    clock.advance(499);
    assert.equal(closed.length, 0);
    clock.advance(1);
    assert.deepEqual(closed, ['a1']);
    assert.equal(b.drainingCount(), 0);

    const again = b.pick()!; // bb
    again.track({ close: () => closed.push('bb1') });
    b.update([]);
    clock.advance(100);
    b.update([ep('bb')]); // back before its deadline
    clock.advance(10_000);
    assert.deepEqual(closed, ['a1'], 'flows of an endpoint that came back are kept');
  });
});
