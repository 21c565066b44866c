import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventLine, eventTime } from './events.ts';

describe('shoal events', () => {
  it('prints an event as docker events does', () => {
    const line = eventLine({
      Type: 'service',
      Action: 'update',
      Actor: { ID: 'abc', Attributes: { name: 'web', 'replicas.old': '3', 'replicas.new': '4' } },
      time: 1795640000,
      timeNano: 1795640000000000000,
    });
    assert.match(
      line,
      /^2026-11-\d\dT\d\d:\d\d:\d\d\.\d{9}Z service update abc \(name=web, replicas\.new=4, replicas\.old=3\)$/,
    );
  });
  it('since/until: seconds, dates and durations before now', () => {
    assert.equal(eventTime('1795640000', 0), '1795640000');
    assert.equal(eventTime('2026-11-25T00:00:00Z', 0), '1795564800.000000000');
    assert.equal(eventTime('10m', 1_000_000), '400.000000000');
    assert.throws(() => eventTime('soon', 0), /failed to parse value as time or duration: "soon"/);
  });
});
