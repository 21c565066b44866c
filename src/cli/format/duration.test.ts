import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads Go durations', () => {
    assert.equal(parseDuration('10s'), 10e9);
    assert.equal(parseDuration('1m30s'), 90e9);
    assert.equal(parseDuration('1.5h'), 5400e9);
    assert.equal(parseDuration('500ms'), 500e6);
    assert.equal(parseDuration('2us'), 2000);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('-3s'), -3e9);
    assert.equal(parseDuration('1h2m3s4ms'), 3723004e6);
  });
  it('refuses what Go refuses, in its words', () => {
    assert.throws(() => parseDuration('10'), /missing unit in duration "10"/);
    assert.throws(() => parseDuration('3x'), /unknown unit "x" in duration "3x"/);
    assert.throws(() => parseDuration(''), /invalid duration ""/);
    assert.throws(() => parseDuration('s'), /invalid duration "s"/);
  });
  it('prints as time.Duration.String()', () => {
    assert.equal(formatDuration(90e9), '1m30s');
    assert.equal(formatDuration(5e9), '5s');
    assert.equal(formatDuration(0), '0s');
  });
});
