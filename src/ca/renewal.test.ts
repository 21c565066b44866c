/**
 * Renewal points fall between 50% and 80% of a certificate's life, spread across that
 * window; failed attempts back off exponentially within swarmkit's bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../base/rng.ts';
import { backoffDelay, RENEWAL_BACKOFF, renewalDelay, renewalTime } from './renewal.ts';

const DAY = 24 * 3600_000;

describe('renewalDelay', () => {
  it('lands in [50%, 80%) of the lifetime, spread over the window', () => {
    const rng = new SeededRng(42);
    const cert = { notBefore: 1_000_000, notAfter: 1_000_000 + 90 * DAY + 3600_000 };
    const life = cert.notAfter - cert.notBefore;
    const fractions: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const f = (renewalTime(cert, rng) - cert.notBefore) / life;
      assert.ok(f >= 0.5 && f < 0.8, `fraction ${f}`);
      fractions.push(f);
    }
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    assert.ok(Math.abs(mean - 0.65) < 0.005, `mean ${mean}`);
    // Roughly uniform: each tenth of the window gets about a tenth of the points.
    const buckets = new Array<number>(10).fill(0);
    for (const f of fractions) buckets[Math.floor(((f - 0.5) / 0.3) * 10)]! += 1;
    for (const b of buckets) assert.ok(b > 850 && b < 1150, `bucket ${b}`);
  });

  it('counts from now, and is 0 once the point has passed', () => {
    const cert = { notBefore: 0, notAfter: 100 * DAY };
    const rng = new SeededRng(1);
    const d = renewalDelay(cert, rng, 10 * DAY);
    assert.ok(d >= 40 * DAY && d < 70 * DAY);
    assert.equal(renewalDelay(cert, rng, 80 * DAY), 0);
  });
});

describe('backoffDelay', () => {
  it('is 0 without failures, then grows from 5 s up to an hour', () => {
    const rng = new SeededRng(7);
    assert.equal(backoffDelay(0, rng), 0);
    for (let failures = 1; failures <= 20; failures++) {
      const bound = Math.min(3600_000, 5_000 + 5_000 * 2 ** (failures - 1));
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(failures, rng);
        assert.ok(d >= bound / 2 && d < bound, `failures ${failures}: ${d}`);
      }
    }
    assert.ok(backoffDelay(1000, rng) <= RENEWAL_BACKOFF.maxMs);
  });
});
