import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBlock, parseBlock, type V4Block } from './ipv4.ts';
import { SubnetRegistry } from './subnets.ts';

const b = (s: string): V4Block => {
  const p = parseBlock(s);
  if (p.kind !== 'v4') throw new Error(s);
  return p;
};
const pool8 = [b('10.0.0.0/8')];

describe('SubnetRegistry', () => {
  it('gives the lowest free /24 of the pool, in order', () => {
    const r = new SubnetRegistry();
    const got = ['a', 'b', 'c'].map((o) => formatBlock(r.allocate(pool8, 24, o) as V4Block));
    assert.deepEqual(got, ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
  });

  it('skips blocks a user named, and blocks overlapping a larger one', () => {
    const r = new SubnetRegistry();
    assert.equal(r.claim(b('10.0.0.0/24'), 'ingress'), true);
    assert.equal(r.claim(b('10.0.1.128/25'), 'user'), true);
    assert.equal(r.claim(b('10.0.4.0/22'), 'big'), true);
    const got = ['a', 'b', 'c', 'd'].map((o) => formatBlock(r.allocate(pool8, 24, o) as V4Block));
    assert.deepEqual(got, ['10.0.2.0/24', '10.0.3.0/24', '10.0.8.0/24', '10.0.9.0/24']);
  });

  it('refuses a named block that overlaps one in use, either way round', () => {
    const r = new SubnetRegistry();
    r.allocate(pool8, 24, 'a');
    assert.equal(r.claim(b('10.0.0.128/25'), 'x'), false);
    assert.equal(r.claim(b('10.0.0.0/16'), 'x'), false);
    assert.equal(r.overlapping(b('10.0.0.0/16')), 'a');
    assert.equal(r.claim(b('10.0.1.0/24'), 'x'), true);
  });

  it('reuses a released block, lowest first', () => {
    const r = new SubnetRegistry();
    for (const o of ['a', 'b', 'c']) r.allocate(pool8, 24, o);
    assert.equal(r.release('b'), 1);
    assert.equal(formatBlock(r.allocate(pool8, 24, 'd') as V4Block), '10.0.1.0/24');
  });

  it('moves on to the next pool, and says when every pool is used up', () => {
    const r = new SubnetRegistry();
    const pools = [b('192.168.0.0/23'), b('172.16.0.0/24')];
    const got = ['a', 'b', 'c'].map((o) => formatBlock(r.allocate(pools, 24, o) as V4Block));
    assert.deepEqual(got, ['192.168.0.0/24', '192.168.1.0/24', '172.16.0.0/24']);
    assert.equal(r.allocate(pools, 24, 'd'), null);
    assert.equal(
      r.allocate([b('10.0.0.0/26')], 24, 'e'),
      null,
      'a pool smaller than the subnet size is skipped',
    );
  });

  it('holds overlapping blocks read back from the store, and frees per owner', () => {
    const r = new SubnetRegistry();
    r.hold(b('10.0.0.0/24'), 'a');
    r.hold(b('10.0.0.0/24'), 'b');
    r.release('a');
    assert.equal(r.overlapping(b('10.0.0.0/24')), 'b');
    r.release('b');
    assert.equal(r.size, 0);
  });
});
