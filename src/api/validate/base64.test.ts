import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64 } from './base64.ts';

describe('decodeBase64 (Go StdEncoding as encoding/json uses it)', () => {
  const ok: Array<[string, number]> = [
    ['', 0],
    ['YQ==', 1],
    ['YWI=', 2],
    ['YWJj', 3],
    ['YWJjZA==', 4],
    ['YW\nJj', 3],
    ['YWJj\r\n', 3],
    ['YQ=\n=', 1],
  ];
  for (const [input, length] of ok) {
    it(`decodes ${JSON.stringify(input)} to ${length} bytes`, () =>
      assert.deepEqual(decodeBase64(input), { ok: true, length }));
  }
  const bad: Array<[string, number]> = [
    ['Y', 0],
    ['YWJ', 0],
    ['=', 0],
    ['YQ=', 3],
    ['YWJj!', 4],
    ['YQ==YQ==', 4],
    ['Y===', 1],
    ['YW-j', 2],
    ['YWJjé', 4],
  ];
  for (const [input, offset] of bad) {
    it(`refuses ${JSON.stringify(input)} at byte ${offset}`, () =>
      assert.deepEqual(decodeBase64(input), { ok: false, offset }));
  }
  it('agrees with Buffer on the length of anything Buffer encodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const d = decodeBase64(Buffer.from(bytes).toString('base64'));
        assert.deepEqual(d, { ok: true, length: bytes.length });
      }),
    );
  });
  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => void decodeBase64(s)));
  });
});
