import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ago, goTime, humanDuration } from './human-time.ts';

describe('human time', () => {
  it('words durations as go-units', () => {
    assert.equal(humanDuration(500), 'Less than a second');
    assert.equal(humanDuration(1000), '1 second');
    assert.equal(humanDuration(45_000), '45 seconds');
    assert.equal(humanDuration(90_000), 'About a minute');
    assert.equal(humanDuration(10 * 60_000), '10 minutes');
    assert.equal(humanDuration(3600_000), 'About an hour');
    assert.equal(humanDuration(5 * 3600_000), '5 hours');
    assert.equal(humanDuration(3 * 86400_000), '3 days');
    assert.equal(humanDuration(21 * 86400_000), '3 weeks');
    assert.equal(humanDuration(90 * 86400_000), '3 months');
    assert.equal(humanDuration(800 * 86400_000), '2 years');
  });
  it('says how long ago, and prints Go times', () => {
    assert.equal(ago('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:00:05Z')), '5 seconds ago');
    assert.equal(goTime('2026-11-25T21:01:52.512Z'), '2026-11-25 21:01:52.512 +0000 UTC');
    assert.equal(goTime('2026-11-25T21:01:52Z'), '2026-11-25 21:01:52 +0000 UTC');
  });
});
