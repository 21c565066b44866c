import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrContains, parseCidr, parseIp } from './ip.ts';

describe('parseIp (net.ParseIP)', () => {
  const valid = [
    '10.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '::',
    '::1',
    '2001:db8::2',
    'fe80::1:2:3:4',
    '::ffff:10.0.0.1',
    '1:2:3:4:5:6:7:8',
    '1::8',
  ];
  for (const s of valid) it(`parses ${s}`, () => assert.notEqual(parseIp(s), null));
  const invalid = [
    '',
    '10.0.0',
    '10.0.0.256',
    '010.0.0.1',
    '10.0.0.1.2',
    'a.b.c.d',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::',
    'fe80::1%eth0',
    '12345::',
    '1:2:3:4:5:6:7::8:9',
    ' 10.0.0.1',
  ];
  for (const s of invalid) it(`refuses ${JSON.stringify(s)}`, () => assert.equal(parseIp(s), null));
  it('reads an IPv4 address and its IPv4-mapped form as the same address', () => {
    assert.equal(parseIp('10.0.0.1'), parseIp('::ffff:10.0.0.1'));
    assert.equal(parseIp('::1'), 1n);
  });
});

describe('parseCidr / cidrContains (net.ParseCIDR, IPNet.Contains)', () => {
  it('clears host bits and keeps the written address', () => {
    const c = parseCidr('10.1.2.3/16');
    assert.ok(c);
    assert.equal(c.network, parseIp('10.1.0.0'));
    assert.equal(c.ip, parseIp('10.1.2.3'));
  });
  const contains: Array<[string, string, boolean]> = [
    ['10.0.0.0/24', '10.0.0.1', true],
    ['10.0.0.0/24', '10.0.1.1', false],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['0.0.0.0/0', '192.168.1.1', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['10.0.0.0/24', '::ffff:10.0.0.9', true],
    ['10.0.0.5/32', '10.0.0.5', true],
  ];
  for (const [cidr, ip, want] of contains) {
    it(`${cidr} ${want ? 'contains' : 'does not contain'} ${ip}`, () => {
      const c = parseCidr(cidr);
      const a = parseIp(ip);
      assert.ok(c && a !== null);
      assert.equal(cidrContains(c, a), want);
    });
  }
  const invalid = [
    '10.0.0.0',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/',
    '2001:db8::/129',
    'x/8',
    '10.0.0.0/8/8',
    '10.0.0.0/ 8',
  ];
  for (const s of invalid) it(`refuses ${s}`, () => assert.equal(parseCidr(s), null));
  it('accepts leading zeros in the prefix length, as Go does', () =>
    assert.notEqual(parseCidr('10.0.0.0/008'), null));
});
