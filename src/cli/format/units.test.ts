import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatCpus, parseBytes, parseNanoCpus } from './units.ts';

describe('units', () => {
  it('reads sizes as RAMInBytes', () => {
    assert.equal(parseBytes('64m'), 64 * 2 ** 20);
    assert.equal(parseBytes('128M'), 128 * 2 ** 20);
    assert.equal(parseBytes('1g'), 2 ** 30);
    assert.equal(parseBytes('1GiB'), 2 ** 30);
    assert.equal(parseBytes('1.5k'), 1536);
    assert.equal(parseBytes('100'), 100);
    assert.throws(() => parseBytes('12x'), /invalid size: '12x'/);
  });
  it('reads CPUs as NanoCPUs', () => {
    assert.equal(parseNanoCpus('0.5'), 5e8);
    assert.equal(parseNanoCpus('2'), 2e9);
    assert.equal(parseNanoCpus('.25'), 2.5e8);
    assert.throws(() => parseNanoCpus('0.0000000001'), /too precise/);
    assert.throws(() => parseNanoCpus('abc'), /rational/);
  });
  it('prints as BytesSize', () => {
    assert.equal(formatBytes(64 * 2 ** 20), '64MiB');
    assert.equal(formatBytes(4 * 2 ** 30), '4GiB');
    assert.equal(formatBytes(1.5 * 2 ** 30), '1.5GiB');
    assert.equal(formatBytes(1000), '1000B');
    assert.equal(formatCpus(5e8), '0.5');
  });
});
