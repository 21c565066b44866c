import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConfState, Entry, HardState, SnapshotMeta } from '../core/types.ts';
import {
  decode,
  encode,
  readConfState,
  readEntry,
  readHardState,
  readSnapshotMeta,
  Writer,
  writeConfState,
  writeEntry,
  writeHardState,
  writeSnapshotMeta,
} from './codec.ts';
import { CorruptionError } from './storage.ts';

const plain = { noNullPrototype: true };
const u64 = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const id = fc.string({ unit: 'grapheme', maxLength: 30 });
const entry: fc.Arbitrary<Entry> = fc.record(
  {
    term: u64,
    index: u64,
    type: fc.constantFrom('normal' as const, 'conf' as const),
    data: fc.uint8Array({ maxLength: 300 }),
  },
  plain,
);
const hardState: fc.Arbitrary<HardState> = fc.record({ term: u64, vote: id, commit: u64 }, plain);
const conf: fc.Arbitrary<ConfState> = fc.record(
  {
    voters: fc.array(id, { maxLength: 7 }),
    learners: fc.array(id, { maxLength: 3 }),
  },
  plain,
);
const meta: fc.Arbitrary<SnapshotMeta> = fc.record({ index: u64, term: u64, conf }, plain);

function roundTrip<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  write: (w: Writer, v: T) => unknown,
  read: Parameters<typeof decode<T>>[0],
): void {
  it(`${name} round-trips`, () => {
    fc.assert(fc.property(arb, (v) => assert.deepStrictEqual(decode(read, encode(write, v), name), v)));
  });
  it(`${name}: every truncation is a CorruptionError`, () => {
    fc.assert(
      fc.property(arb, (v) => {
        const bytes = encode(write, v);
        for (let n = 0; n < bytes.byteLength; n++) {
          assert.throws(() => decode(read, bytes.subarray(0, n), name), CorruptionError);
        }
      }),
      { numRuns: 30 },
    );
  });
}

describe('codec', () => {
  roundTrip('entry', entry, writeEntry, readEntry);
  roundTrip('hard state', hardState, writeHardState, readHardState);
  roundTrip('conf state', conf, writeConfState, readConfState);
  roundTrip('snapshot meta', meta, writeSnapshotMeta, readSnapshotMeta);

  it('decodes entry data as a plain Uint8Array that does not share the source bytes', () => {
    const bytes = encode(writeEntry, { term: 1, index: 2, type: 'normal', data: new Uint8Array([7, 8]) });
    const e = decode(readEntry, bytes, 'entry');
    assert.equal(Object.getPrototypeOf(e.data), Uint8Array.prototype);
    bytes.fill(0);
    assert.deepStrictEqual([...e.data], [7, 8]);
  });

  it('rejects trailing bytes', () => {
    const bytes = encode(writeHardState, { term: 1, vote: 'a', commit: 1 });
    const longer = new Uint8Array(bytes.byteLength + 1);
    longer.set(bytes);
    assert.throws(() => decode(readHardState, longer, 'hard state'), /trailing/);
  });

  it('rejects an unknown entry type', () => {
    const bytes = encode(writeEntry, { term: 1, index: 2, type: 'conf', data: new Uint8Array(0) });
    bytes[16] = 9;
    assert.throws(() => decode(readEntry, bytes, 'entry'), /unknown entry type 9/);
  });

  it('refuses numbers it cannot represent and strings that are too long', () => {
    assert.throws(() => new Writer().u64(-1), RangeError);
    assert.throws(() => new Writer().u64(2 ** 53), RangeError);
    assert.throws(() => new Writer().u64(1.5), RangeError);
    assert.throws(() => new Writer().str('x'.repeat(65536)), RangeError);
    assert.equal(new Writer().str('x'.repeat(65535)).finish().byteLength, 65537);
  });

  it('writes big-endian fixed-width fields', () => {
    const bytes = new Writer(1).u64(0x0102_0304_0506).u16(0x0708).str('é').finish();
    assert.deepStrictEqual([...bytes], [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 2, 0xc3, 0xa9]);
  });
});
