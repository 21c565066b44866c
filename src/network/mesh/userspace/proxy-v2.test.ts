import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeProxyV2, encodeProxyV2, expandV6, unmapV4 } from './proxy-v2.ts';

describe('PROXY protocol v2', () => {
  it('encodes TCP over IPv4 byte for byte', () => {
    const b = encodeProxyV2({
      srcHost: '::ffff:192.168.1.10',
      srcPort: 51000,
      dstHost: '10.0.0.1',
      dstPort: 8080,
      transport: 'tcp',
    });
    assert.equal(
      b.toString('hex'),
      '0d0a0d0a000d0a515549540a' + '21' + '11' + '000c' + 'c0a8010a' + '0a000001' + 'c738' + '1f90',
    );
    assert.deepEqual(decodeProxyV2(b), {
      header: {
        srcHost: '192.168.1.10',
        srcPort: 51000,
        dstHost: '10.0.0.1',
        dstPort: 8080,
        transport: 'tcp',
      },
      length: 28,
    });
  });

  it('encodes IPv6, and LOCAL when the families differ or are unknown', () => {
    const b = encodeProxyV2({
      srcHost: '2001:db8::1',
      srcPort: 1,
      dstHost: '::1',
      dstPort: 2,
      transport: 'tcp',
    });
    assert.equal(b.length, 16 + 36);
    assert.equal(b[13], 0x21);
    const d = decodeProxyV2(b);
    assert.ok(d && d.header !== 'local');
    assert.equal(d.header.srcHost, '2001:db8:0:0:0:0:0:1');
    const local = encodeProxyV2({
      srcHost: '1.2.3.4',
      srcPort: 1,
      dstHost: '::1',
      dstPort: 2,
      transport: 'tcp',
    });
    assert.equal(local.length, 16);
    assert.equal(local[12], 0x20);
    assert.equal(decodeProxyV2(local)?.header, 'local');
  });

  it('expands IPv6 text', () => {
    assert.deepEqual(expandV6('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(expandV6('fe80::1%eth0'), [0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(expandV6('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    assert.equal(unmapV4('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(unmapV4('::1'), '::1');
  });
});
