import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockEnd, formatBlock, formatV4, parseAddr, parseBlock, parseV4 } from './ipv4.ts';

describe('ipv4', () => {
  it('parses blocks with Go semantics: host bits cleared, IPv6 told apart', () => {
    assert.deepEqual(parseBlock('10.0.0.0/8'), { kind: 'v4', base: 0x0a000000, prefix: 8 });
    assert.deepEqual(parseBlock('10.0.1.5/24'), { kind: 'v4', base: 0x0a000100, prefix: 24 });
    assert.deepEqual(parseBlock('2001:db8::/64'), { kind: 'v6' });
    assert.deepEqual(parseBlock('10.0.0.0'), { kind: 'invalid' });
    assert.deepEqual(parseBlock('10.0.0.0/33'), { kind: 'invalid' });
    assert.deepEqual(parseBlock('010.0.0.0/8'), { kind: 'invalid' });
  });

  it('parses and formats addresses', () => {
    assert.equal(parseV4('192.168.1.254'), 0xc0a801fe);
    assert.equal(parseV4('::1'), null);
    assert.equal(parseV4('nope'), null);
    assert.equal(formatV4(0xc0a801fe), '192.168.1.254');
    assert.equal(formatV4(0xffffffff), '255.255.255.255');
    assert.equal(formatBlock({ base: 0x0a000100, prefix: 24 }), '10.0.1.0/24');
    assert.equal(blockEnd({ base: 0x0a000100, prefix: 24 }), 0x0a0001ff);
  });

  it('the fast path reads what the allocator writes, and nothing else', () => {
    assert.equal(parseAddr('10.0.1.7/24'), 0x0a000107);
    assert.equal(parseAddr('10.0.1.7'), 0x0a000107);
    assert.equal(parseAddr('255.255.255.255/32'), 0xffffffff);
    const bad = ['10.0.1/24', '10.0.1.256', '1.2.3.4.5', '', '10..1.2', 'a.b.c.d', '1234.1.1.1', '10.0.1.7/'];
    for (const s of [...bad, '10.0.1.7/33', '10.0.1.7/2x']) assert.equal(parseAddr(s), null, s);
  });
});
