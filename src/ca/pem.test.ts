/** PEM blocks are written like Go's encoding/pem and read back with their headers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePem, decodePemAll, encodePem } from './pem.ts';

describe('pem', () => {
  it('writes 64-column base64, headers then a blank line, and a final newline', () => {
    const bytes = new Uint8Array(100).map((_, i) => i);
    const text = encodePem('PRIVATE KEY', bytes, {
      'raft-dek': 'x',
      'kek-version': '3',
      'Proc-Type': '4,ENCRYPTED',
    });
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 5), [
      '-----BEGIN PRIVATE KEY-----',
      'Proc-Type: 4,ENCRYPTED',
      'kek-version: 3',
      'raft-dek: x',
      '',
    ]);
    assert.equal(lines[5]?.length, 64);
    assert.equal(lines.at(-2), '-----END PRIVATE KEY-----');
    assert.equal(lines.at(-1), '');
    assert.equal(encodePem('X', new Uint8Array(3)), '-----BEGIN X-----\nAAAA\n-----END X-----\n');
  });

  it('reads every block, with headers, CRLF or not', () => {
    const a = encodePem('CERTIFICATE', new Uint8Array([1, 2, 3]));
    const b = encodePem('PRIVATE KEY', new Uint8Array([4, 5]), { 'kek-version': '0' }).replace(/\n/g, '\r\n');
    const blocks = decodePemAll(`junk\n${a}between\n${b}`);
    assert.deepEqual(
      blocks.map((x) => [x.type, x.headers, [...x.bytes]]),
      [
        ['CERTIFICATE', {}, [1, 2, 3]],
        ['PRIVATE KEY', { 'kek-version': '0' }, [4, 5]],
      ],
    );
    assert.deepEqual([...decodePem(b, 'PRIVATE KEY').bytes], [4, 5]);
    assert.throws(() => decodePem(a, 'PRIVATE KEY'), /invalid PEM-encoded private key/);
    assert.throws(() => decodePemAll('-----BEGIN X-----\n%%%%\n-----END X-----\n'), /invalid PEM/);
  });
});
