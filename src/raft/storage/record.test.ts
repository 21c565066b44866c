import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { identityCipher } from './cipher.ts';
import { decodeRecord, encodeRecords, RECORD_HEADER_BYTES, scanRecords, type WalRecord } from './record.ts';
import { xorCipher } from './testing.ts';

const point = fc.record({ index: fc.maxSafeNat(), term: fc.maxSafeNat() }, { noNullPrototype: true });
const record: fc.Arbitrary<WalRecord> = fc.oneof(
  fc.record(
    {
      type: fc.constant('entry' as const),
      entry: fc.record(
        {
          term: fc.maxSafeNat(),
          index: fc.maxSafeNat(),
          type: fc.constantFrom('normal' as const, 'conf' as const),
          data: fc.uint8Array({ maxLength: 200 }),
        },
        { noNullPrototype: true },
      ),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      type: fc.constant('hardState' as const),
      hardState: fc.record(
        { term: fc.maxSafeNat(), vote: fc.string({ maxLength: 25 }), commit: fc.maxSafeNat() },
        { noNullPrototype: true },
      ),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      type: fc.constant('snapshot' as const),
      marker: fc.record({ snap: point, compact: point, dropLog: fc.boolean() }, { noNullPrototype: true }),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      type: fc.constant('segment' as const),
      header: fc.record(
        { seq: fc.maxSafeNat(), snap: point, compact: point, lastIndex: fc.maxSafeNat() },
        { noNullPrototype: true },
      ),
    },
    { noNullPrototype: true },
  ),
);

describe('WAL records', () => {
  for (const [name, cipher] of [
    ['plain', identityCipher],
    ['sealed', xorCipher(0x77)],
  ] as const) {
    it(`frame, scan and decode back (${name})`, () => {
      fc.assert(
        fc.property(fc.array(record, { maxLength: 8 }), (records) => {
          const scan = scanRecords(encodeRecords(records, cipher));
          assert.equal(scan.bad, undefined);
          assert.deepStrictEqual(
            scan.records.map((r) => decodeRecord(r.type, r.payload, cipher)),
            records,
          );
        }),
      );
    });
  }

  it('a cut anywhere inside the last record is a bad record with nothing valid after it', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
        const buf = encodeRecords(records, identityCipher);
        const lastStart = scanRecords(buf).records.at(-1)!.offset;
        for (let cut = lastStart + 1; cut < buf.byteLength; cut++) {
          const scan = scanRecords(buf.subarray(0, cut));
          assert.equal(scan.records.length, records.length - 1);
          assert.deepStrictEqual(scan.bad && [scan.bad.offset, scan.bad.validAfter], [lastStart, false]);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('a flipped byte in a record followed by a valid one is reported with validAfter', () => {
    const records: WalRecord[] = [
      { type: 'hardState', hardState: { term: 1, vote: 'a', commit: 0 } },
      { type: 'hardState', hardState: { term: 2, vote: 'b', commit: 1 } },
    ];
    const clean = encodeRecords(records, identityCipher);
    const firstLen = scanRecords(clean).records[1]!.offset;
    for (let at = 0; at < firstLen; at++) {
      const buf = Buffer.from(clean);
      buf[at]! ^= 0x10;
      const scan = scanRecords(buf);
      assert.equal(scan.records.length, 0, `byte ${at}`);
      assert.deepStrictEqual(scan.bad && [scan.bad.offset, scan.bad.validAfter], [0, true], `byte ${at}`);
    }
    assert.equal(RECORD_HEADER_BYTES, 9);
  });

  it('a payload that passes its CRC but does not decode is corruption, as is an unknown type', () => {
    const [r] = scanRecords(
      encodeRecords([{ type: 'hardState', hardState: { term: 1, vote: '', commit: 0 } }], identityCipher),
    ).records;
    assert.throws(() => decodeRecord(1, r!.payload, identityCipher), /truncated|trailing/);
    assert.throws(() => decodeRecord(42, r!.payload, identityCipher), /unknown record type 42/);
    assert.throws(() => decodeRecord(2, r!.payload, xorCipher(1)), /wrong key/);
  });
});
