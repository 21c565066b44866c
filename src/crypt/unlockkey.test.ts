import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../base/rng.ts';
import { SealedDataError, SwarmLockedError } from './errors.ts';
import { generateDek } from './keys.ts';
import { rngRandom } from './random.ts';
import { formatUnlockKey, generateUnlockKey, kekFromUnlockKey, parseUnlockKey } from './unlockkey.ts';
import { isSealed, unwrapDek, wrapDek } from './wrap.ts';

/** A key in the wild, as `docker swarm update --autolock=true` printed it. */
const DOCKER_KEY = 'SWMKEY-1-5+ICW2kRxPxZrVyBDWzBkzZdSd0Yc7Cl2o4Uuf9NPU4';

function invalidString(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.equal(e.message, 'invalid key string');
    assert.equal((e as { code?: string }).code, 'invalid_argument');
    assert.equal((e as { httpStatus?: number }).httpStatus, 400);
    return true;
  });
}

describe('unlock keys: Docker format', () => {
  it('SWMKEY-1- + 32 bytes in unpadded standard base64: 52 characters', () => {
    for (let i = 0; i < 200; i++) {
      const k = generateUnlockKey();
      assert.match(k, /^SWMKEY-1-[A-Za-z0-9+/]{43}$/);
      assert.equal(k.length, 52);
      assert.equal(formatUnlockKey(parseUnlockKey(k)), k);
    }
  });

  it('parses a key Docker printed, and formats its bytes back to the same text', () => {
    const bytes = parseUnlockKey(DOCKER_KEY);
    assert.equal(bytes.byteLength, 32);
    assert.equal(formatUnlockKey(bytes), DOCKER_KEY);
  });

  it('is drawn from the injected random source (reproducible in simulation)', () => {
    const a = generateUnlockKey(rngRandom(new SeededRng(42)));
    const b = generateUnlockKey(rngRandom(new SeededRng(42)));
    assert.equal(a, b);
    assert.notEqual(generateUnlockKey(), generateUnlockKey());
  });

  it('a malformed key is "invalid key string" (400), whatever is wrong with it', () => {
    const body = DOCKER_KEY.slice('SWMKEY-1-'.length);
    for (const bad of [
      '',
      'SWMKEY-1-',
      body,
      `SWMKEY-2-${body}`,
      `swmkey-1-${body}`,
      `${DOCKER_KEY}=`,
      DOCKER_KEY.slice(0, -1),
      `${DOCKER_KEY}A`,
      ` ${DOCKER_KEY}`,
      `${DOCKER_KEY}\n`,
      DOCKER_KEY.replace('+', '-'), // URL-safe alphabet
      `${DOCKER_KEY.slice(0, -1)}5`, // non-canonical: the last 2 bits must be zero
      `SWMKEY-1-${body.slice(0, 20)}\n${body.slice(20)}`,
    ]) {
      invalidString(() => parseUnlockKey(bad));
    }
  });

  it('the KEK is derived (HKDF), deterministic, and not the key bytes themselves', () => {
    const k = generateUnlockKey();
    const kek = kekFromUnlockKey(k);
    assert.equal(kek.byteLength, 32);
    assert.deepEqual(kekFromUnlockKey(k), kek);
    assert.notDeepEqual(kek, parseUnlockKey(k));
    assert.notDeepEqual(kekFromUnlockKey(generateUnlockKey()), kek);
    invalidString(() => kekFromUnlockKey('SWMKEY-1-nope'));
  });
});

describe('wrapDek / unwrapDek', () => {
  it('without a KEK the DEK is stored as is (an unencrypted envelope)', () => {
    const dek = generateDek();
    const w = wrapDek(dek);
    assert.equal(isSealed(w), false);
    assert.ok(Buffer.from(w).includes(Buffer.from(dek)));
    assert.deepEqual(unwrapDek(w), dek);
    assert.deepEqual(unwrapDek(w, kekFromUnlockKey(generateUnlockKey())), dek);
  });

  for (const algorithm of ['aes-256-gcm', 'chacha20-poly1305'] as const) {
    it(`with a KEK (${algorithm}) the DEK is sealed and opens only with that KEK`, () => {
      const dek = generateDek();
      const kek = kekFromUnlockKey(generateUnlockKey());
      const w = wrapDek(dek, kek, { algorithm });
      assert.equal(isSealed(w), true);
      assert.equal(Buffer.from(w).includes(Buffer.from(dek)), false);
      assert.deepEqual(unwrapDek(w, kek), dek);
    });
  }

  it('a wrong key: "swarm could not be unlocked: invalid key provided" (401)', () => {
    const w = wrapDek(generateDek(), kekFromUnlockKey(generateUnlockKey()));
    assert.throws(
      () => unwrapDek(w, kekFromUnlockKey(generateUnlockKey())),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.equal(e.message, 'swarm could not be unlocked: invalid key provided');
        assert.equal((e as { httpStatus?: number }).httpStatus, 401);
        return true;
      },
    );
  });

  it("no key for a sealed DEK: the swarm is locked (Docker's message, 503)", () => {
    const w = wrapDek(generateDek(), kekFromUnlockKey(generateUnlockKey()));
    assert.throws(() => unwrapDek(w), SwarmLockedError);
    assert.throws(
      () => unwrapDek(w, null),
      /^SwarmLockedError: Swarm is encrypted and needs to be unlocked before it can be used\. Please use "docker swarm unlock" to unlock it\.$/,
    );
  });

  it('an altered wrapped DEK is refused even with the right key', () => {
    const kek = kekFromUnlockKey(generateUnlockKey());
    const w = new Uint8Array(wrapDek(generateDek(), kek));
    for (let i = 6; i < w.byteLength; i++) {
      const bad = new Uint8Array(w);
      bad[i]! ^= 0x04;
      assert.throws(() => unwrapDek(bad, kek), SealedDataError, `byte ${i}`);
    }
  });
});
