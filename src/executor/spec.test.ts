import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS_PER_MS, NS_PER_S } from '../api/meta.ts';
import { imageRef, noSuchImage } from './errors.ts';
import { healthCheckOf, probeTimes, stopGraceMs, stopSignal } from './spec.ts';

describe('spec helpers', () => {
  it("reads the stop grace period and signal with Docker's defaults", () => {
    assert.equal(stopGraceMs({ Spec: {} }), 10_000);
    assert.equal(stopGraceMs({ Spec: { ContainerSpec: { Image: 'x', StopGracePeriod: 0 } } }), 0);
    assert.equal(
      stopGraceMs({ Spec: { ContainerSpec: { Image: 'x', StopGracePeriod: 3 * NS_PER_S } } }),
      3_000,
    );
    assert.equal(stopSignal(undefined), 'SIGTERM');
    assert.equal(stopSignal({ Image: 'x', StopSignal: 'QUIT' }), 'SIGQUIT');
    assert.equal(stopSignal({ Image: 'x', StopSignal: 'SIGINT' }), 'SIGINT');
  });

  it('finds a health check only when the spec declares one', () => {
    assert.equal(healthCheckOf({ Image: 'x' }), undefined);
    assert.equal(healthCheckOf({ Image: 'x', HealthCheck: { Test: ['NONE'] } }), undefined);
    assert.equal(healthCheckOf({ Image: 'x', HealthCheck: { Test: [] } }), undefined);
    assert.deepStrictEqual(healthCheckOf({ Image: 'x', HealthCheck: { Test: ['CMD-SHELL', 'true'] } }), {
      test: ['CMD-SHELL', 'true'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      retries: 3,
      startPeriodMs: 0,
      startIntervalMs: 5_000,
    });
  });

  it('times probes like Docker: failures inside the start period do not count', () => {
    const t = { intervalMs: 1_000, timeoutMs: 1_000, retries: 3, startPeriodMs: 2_500, startIntervalMs: 500 };
    const p = probeTimes(t);
    assert.equal(p.firstProbeMs, 500);
    // probes at 0.5, 1, 1.5, 2 (inside the period), 2.5, 3.5, 4.5 (counted)
    assert.equal(p.unhealthyAtMs(0), 4_500);
    // passing until 10 s: counted failures at 10.5, 11.5, 12.5
    assert.equal(p.unhealthyAtMs(10_000), 12_500);
    assert.equal(probeTimes({ ...t, startPeriodMs: 0 }).unhealthyAtMs(0), 3_000);
    assert.equal(
      healthCheckOf({ Image: 'x', HealthCheck: { Test: ['CMD', 'x'], Interval: 200 * NS_PER_MS } })
        ?.intervalMs,
      200,
    );
  });

  it("names images as Docker's errors do", () => {
    assert.equal(imageRef('nginx'), 'nginx:latest');
    assert.equal(imageRef('localhost:5000/app'), 'localhost:5000/app:latest');
    assert.equal(imageRef('nginx:1.27'), 'nginx:1.27');
    assert.equal(imageRef('nginx@sha256:abc'), 'nginx@sha256:abc');
    assert.equal(noSuchImage('busybox').message, 'No such image: busybox:latest');
  });
});
