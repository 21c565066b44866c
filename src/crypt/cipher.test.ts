import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../base/rng.ts';
import { createCipher, MultiDecrypter } from './cipher.ts';
import {
  NONCE_BYTES,
  PLAIN_HEADER_BYTES,
  readHeader,
  SEALED_HEADER_BYTES,
  SEALED_OVERHEAD,
} from './envelope.ts';
import { SealedDataError } from './errors.ts';
import { generateDek, keyId } from './keys.ts';
import { rngRandom } from './random.ts';
import { wrapDek } from './wrap.ts';

const bytes = (n: number, seed = 1) => {
  const out = new Uint8Array(n);
  rngRandom(new SeededRng(seed)).fill(out);
  return out;
};

function throwsSealed(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SealedDataError, `expected SealedDataError, got ${String(e)}`);
    assert.equal(e.code, 'corrupt');
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('createCipher: sealed round trips', () => {
  for (const algorithm of ['aes-256-gcm', 'chacha20-poly1305'] as const) {
    it(`${algorithm}: opens what it sealed, for sizes 0 .. 1 MiB; 34 bytes of overhead`, () => {
      const c = createCipher(generateDek(), { algorithm });
      for (const n of [0, 1, 15, 16, 17, 256, 4096, 1 << 20]) {
        const plain = bytes(n, n);
        const sealed = c.seal(plain);
        assert.equal(sealed.byteLength, n + SEALED_OVERHEAD);
        assert.deepEqual(new Uint8Array(c.open(sealed)), plain);
      }
    });
  }

  it('the header names the format version, the algorithm and the key id', () => {
    const dek = generateDek();
    const h = readHeader(createCipher(dek, { algorithm: 'chacha20-poly1305' }).seal(bytes(10)));
    assert.deepEqual(h, { version: 1, algorithm: 'chacha20-poly1305', keyId: keyId(dek) });
  });

  it('records sealed with either algorithm open with the same key (algorithms can change)', () => {
    const dek = generateDek();
    const aes = createCipher(dek);
    const chacha = createCipher(dek, { algorithm: 'chacha20-poly1305' });
    assert.deepEqual(new Uint8Array(aes.open(chacha.seal(bytes(40)))), bytes(40));
    assert.deepEqual(new Uint8Array(chacha.open(aes.seal(bytes(40)))), bytes(40));
  });
});

describe('createCipher: tampering is refused, never silently accepted', () => {
  for (const algorithm of ['aes-256-gcm', 'chacha20-poly1305'] as const) {
    it(`${algorithm}: every single-bit flip at every byte (header, nonce, body, tag) fails to open`, () => {
      const c = createCipher(generateDek(), { algorithm });
      const sealed = c.seal(bytes(64));
      for (let i = 0; i < sealed.byteLength; i++) {
        for (const mask of [0x01, 0x80]) {
          const bad = new Uint8Array(sealed);
          bad[i]! ^= mask;
          assert.throws(() => c.open(bad), SealedDataError, `byte ${i} mask ${mask} was accepted`);
        }
      }
    });
  }

  it('truncated, extended, emptied or spliced envelopes fail', () => {
    const c = createCipher(generateDek());
    const a = c.seal(bytes(64, 1));
    const b = c.seal(bytes(64, 2));
    throwsSealed(() => c.open(a.subarray(0, a.byteLength - 1)), /authentication failed/);
    throwsSealed(() => c.open(Buffer.concat([a, new Uint8Array(1)])), /authentication failed/);
    throwsSealed(() => c.open(new Uint8Array(0)), /too short/);
    throwsSealed(() => c.open(a.subarray(0, SEALED_OVERHEAD - 1)), /too short/);
    // a's header and nonce with b's body and tag
    throwsSealed(() =>
      c.open(Buffer.concat([a.subarray(0, SEALED_HEADER_BYTES), b.subarray(SEALED_HEADER_BYTES)])),
    );
  });

  it('a downgrade to "not encrypted" is refused, and so are unknown versions and algorithms', () => {
    const c = createCipher(generateDek());
    const sealed = new Uint8Array(c.seal(bytes(64)));
    const none = new Uint8Array(sealed);
    none[1] = 0;
    throwsSealed(() => c.open(none), /not encrypted/);
    const v2 = new Uint8Array(sealed);
    v2[0] = 2;
    throwsSealed(() => c.open(v2), /unsupported envelope version 2/);
    const alg9 = new Uint8Array(sealed);
    alg9[1] = 9;
    throwsSealed(() => c.open(alg9), /unknown algorithm 9/);
    throwsSealed(() => c.open(bytes(100)), /unsupported envelope version|unknown algorithm/);
  });

  it('a wrapped DEK does not open as a record, even under the same key (contexts differ)', () => {
    const kek = generateDek();
    const wrapped = wrapDek(generateDek(), kek);
    throwsSealed(() => createCipher(kek).open(wrapped), /authentication failed/);
  });
});

describe('createCipher: nonces', () => {
  it('100,000 seals of the same plaintext: 100,000 distinct nonces and ciphertexts', () => {
    const c = createCipher(generateDek());
    const plain = bytes(32);
    const nonces = new Set<string>();
    const bodies = new Set<string>();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const s = Buffer.from(c.seal(plain));
      nonces.add(s.toString('hex', PLAIN_HEADER_BYTES, PLAIN_HEADER_BYTES + NONCE_BYTES));
      bodies.add(s.toString('hex', SEALED_HEADER_BYTES));
    }
    assert.equal(nonces.size, n);
    assert.equal(bodies.size, n);
    assert.equal(c.sealed, n);
  });
});

describe('wrong keys and rotation (MultiDecrypter)', () => {
  it('another DEK: a clear error naming the key ids, not garbage', () => {
    const a = generateDek();
    const b = generateDek();
    const sealed = createCipher(a).seal(bytes(64));
    const hex = (k: Uint8Array) => keyId(k).toString(16).padStart(8, '0');
    throwsSealed(
      () => createCipher(b).open(sealed),
      new RegExp(`sealed with key ${hex(a)}, which this node does not hold \\(it holds ${hex(b)}\\)`),
    );
  });

  it('during a rotation: new records are sealed with the pending DEK, old ones still open', () => {
    const oldDek = generateDek();
    const newDek = generateDek();
    const c = createCipher(oldDek);
    const r1 = c.seal(bytes(50, 1));
    c.setKeys({ current: oldDek, pending: newDek });
    assert.equal(c.sealingKeyId, keyId(newDek).toString(16).padStart(8, '0'));
    const r2 = c.seal(bytes(50, 2));
    assert.equal(readHeader(r2).keyId, keyId(newDek));
    assert.deepEqual(new Uint8Array(c.open(r1)), bytes(50, 1));
    assert.deepEqual(new Uint8Array(c.open(r2)), bytes(50, 2));
    // Same thing built directly: seal with the new key, also open with the old one.
    const d = createCipher(newDek, { alsoOpenWith: [oldDek] });
    assert.deepEqual(new Uint8Array(d.open(r1)), bytes(50, 1));
    assert.equal(d.openingKeyIds().length, 2);
    // Rotation finished: the old key is dropped and its records no longer open.
    c.setKeys({ current: newDek, pending: null });
    assert.deepEqual(new Uint8Array(c.open(r2)), bytes(50, 2));
    throwsSealed(() => c.open(r1), /does not hold/);
  });

  it('two keys sharing a 32-bit key id are both tried; the tag decides', () => {
    const random = rngRandom(new SeededRng(7));
    const seen = new Map<number, Uint8Array>();
    let pair: [Uint8Array, Uint8Array] | null = null;
    while (pair === null) {
      const k = generateDek(random);
      const other = seen.get(keyId(k));
      if (other) pair = [other, k];
      else seen.set(keyId(k), k);
    }
    const [a, b] = pair;
    const m = new MultiDecrypter([a, b]);
    assert.equal(m.keyIds().length, 1);
    const ra = createCipher(a).seal(bytes(20, 1));
    const rb = createCipher(b).seal(bytes(20, 2));
    // MultiDecrypter opens records with the raft-record context, as the cipher does.
    const both = createCipher(a, { alsoOpenWith: [b] });
    assert.deepEqual(new Uint8Array(both.open(ra)), bytes(20, 1));
    assert.deepEqual(new Uint8Array(both.open(rb)), bytes(20, 2));
    throwsSealed(() => createCipher(a).open(rb), /authentication failed/);
  });
});
