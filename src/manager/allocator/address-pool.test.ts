import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressPool } from './address-pool.ts';
import { formatV4, parseV4 } from './ipv4.ts';

const ip = (s: string) => parseV4(s) as number;
const net24 = { base: ip('10.0.1.0'), prefix: 24 };

describe('AddressPool', () => {
  it('never hands out the network or broadcast address; 254 addresses in a /24', () => {
    const p = new AddressPool(net24);
    const got: string[] = [];
    for (let a = p.allocate(); a !== null; a = p.allocate()) got.push(formatV4(a));
    assert.equal(got.length, 254);
    assert.equal(got[0], '10.0.1.1');
    assert.equal(got.at(-1), '10.0.1.254');
    assert.equal(p.used, 254);
  });

  it('is serial: a released address comes back only after the range wraps', () => {
    const p = new AddressPool({ base: ip('10.0.1.0'), prefix: 29 }); // .1 - .6
    const a = [p.allocate(), p.allocate(), p.allocate()].map((x) => formatV4(x as number));
    assert.deepEqual(a, ['10.0.1.1', '10.0.1.2', '10.0.1.3']);
    p.release(ip('10.0.1.2'));
    assert.equal(formatV4(p.allocate() as number), '10.0.1.4');
    assert.equal(formatV4(p.allocate() as number), '10.0.1.5');
    assert.equal(formatV4(p.allocate() as number), '10.0.1.6');
    assert.equal(formatV4(p.allocate() as number), '10.0.1.2'); // wrapped
    assert.equal(p.allocate(), null);
  });

  it('dynamic addresses come from the IPRange; a held address outside it is still held', () => {
    const p = new AddressPool(net24, { base: ip('10.0.1.128'), prefix: 30 });
    assert.equal(p.hold(ip('10.0.1.1')), 'held'); // a gateway outside the range
    const got = [p.allocate(), p.allocate(), p.allocate(), p.allocate(), p.allocate()];
    assert.deepEqual(
      got.map((x) => (x === null ? null : formatV4(x))),
      ['10.0.1.128', '10.0.1.129', '10.0.1.130', '10.0.1.131', null],
    );
    assert.equal(p.isHeld(ip('10.0.1.1')), true);
  });

  it('a restored address moves the cursor past it', () => {
    const p = new AddressPool(net24);
    p.hold(ip('10.0.1.40'));
    assert.equal(formatV4(p.allocate() as number), '10.0.1.41');
  });

  it('counts a second holder and frees the address only when both let go', () => {
    const p = new AddressPool({ base: ip('10.0.1.0'), prefix: 30 }); // .1 and .2
    assert.equal(p.hold(ip('10.0.1.1')), 'held');
    assert.equal(p.hold(ip('10.0.1.1')), 'shared');
    assert.equal(formatV4(p.allocate() as number), '10.0.1.2');
    p.release(ip('10.0.1.1'));
    assert.equal(p.allocate(), null, 'still held by the other holder');
    p.release(ip('10.0.1.1'));
    assert.equal(formatV4(p.allocate() as number), '10.0.1.1');
  });

  it('refuses subnets without room for an address', () => {
    assert.throws(() => new AddressPool({ base: ip('10.0.1.0'), prefix: 31 }), RangeError);
  });
});
