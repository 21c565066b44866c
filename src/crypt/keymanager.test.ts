import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isShoalError } from '../base/errors.ts';
import { tempRoot } from '../raft/storage/testing.ts';
import { InvalidUnlockKeyError, KeyFileError, NotLockedError, SwarmLockedError } from './errors.ts';
import { KEY_FILE_NAME } from './keyfile.ts';
import { KeyManager } from './keymanager.ts';
import { generateUnlockKey } from './unlockkey.ts';

const tmp = tempRoot('crypt-keys');

const fileOf = (dir: string) => join(dir, KEY_FILE_NAME);
const modeOf = (path: string) => statSync(path).mode & 0o777;
/** Whether the key file holds `key` in a form someone could read (raw or base64). */
function exposes(dir: string, key: Uint8Array): boolean {
  const text = readFileSync(fileOf(dir));
  return (
    text.includes(Buffer.from(key)) || text.toString('utf8').includes(Buffer.from(key).toString('base64'))
  );
}
const precondition = (e: unknown) => isShoalError(e, 'failed_precondition');

describe('KeyManager: without autolock', () => {
  it('uninitialized -> initialize -> unlocked; a restart is unlocked at once with the same DEK', () => {
    const dir = tmp.next();
    const km = KeyManager.open(dir);
    assert.equal(km.status, 'uninitialized');
    assert.throws(() => km.keys(), precondition);
    const keys = km.initialize();
    assert.equal(km.status, 'unlocked');
    assert.equal(km.autolock, false);
    assert.equal(keys.current.byteLength, 32);
    assert.deepEqual(keys, { current: keys.current, pending: null, needsRotation: false });
    assert.equal(modeOf(fileOf(dir)), 0o600);
    assert.ok(exposes(dir, keys.current), 'without autolock the DEK is stored as is');

    const again = KeyManager.open(dir);
    assert.equal(again.status, 'unlocked');
    assert.deepEqual(again.keys().current, keys.current);
    assert.throws(() => again.unlock(generateUnlockKey()), NotLockedError);
    assert.throws(() => again.unlock(generateUnlockKey()), /^NotLockedError: swarm is not locked$/);
    assert.throws(() => again.initialize(), precondition);
    assert.throws(() => again.disableAutolock(), precondition);
    assert.throws(() => again.rotateUnlockKey(generateUnlockKey()), precondition);
  });
});

describe('KeyManager: autolock', () => {
  it('init --autolock, restart locked, wrong key refused, right key unlocks', () => {
    const dir = tmp.next();
    const unlockKey = generateUnlockKey();
    const keys = KeyManager.open(dir).initialize({ unlockKey });
    assert.equal(exposes(dir, keys.current), false);
    assert.equal(modeOf(fileOf(dir)), 0o600);

    const km = KeyManager.open(dir);
    assert.equal(km.status, 'locked');
    assert.equal(km.autolock, true);
    assert.throws(() => km.keys(), SwarmLockedError);
    assert.throws(() => km.rotateDek(), SwarmLockedError);
    assert.throws(() => km.unlock(generateUnlockKey()), InvalidUnlockKeyError);
    assert.throws(() => km.unlock('SWMKEY-1-oops'), /invalid key string/);
    assert.equal(km.status, 'locked');
    assert.deepEqual(km.unlock(unlockKey).current, keys.current);
    assert.equal(km.status, 'unlocked');
    assert.throws(() => km.unlock(unlockKey), NotLockedError);
    assert.throws(() => km.enableAutolock(unlockKey), precondition);
  });

  it('enable: the DEKs are rewrapped and a DEK rotation starts (the old DEK was readable on disk)', () => {
    const dir = tmp.next();
    const km = KeyManager.open(dir);
    const first = km.initialize();
    const unlockKey = generateUnlockKey();
    assert.deepEqual(km.enableAutolock(unlockKey), { changed: true, rotationStarted: true });
    const keys = km.keys();
    assert.deepEqual(keys.current, first.current);
    assert.ok(keys.pending);
    assert.equal(keys.needsRotation, false);
    assert.equal(exposes(dir, keys.current), false);
    assert.equal(exposes(dir, keys.pending), false);
    assert.equal(modeOf(fileOf(dir)), 0o600);

    const restarted = KeyManager.open(dir);
    assert.equal(restarted.status, 'locked');
    assert.deepEqual(restarted.unlock(unlockKey), keys);
  });

  it('enable during a rotation queues another one (needsRotation)', () => {
    const km = KeyManager.open(tmp.next());
    km.initialize();
    const rotating = km.rotateDek();
    assert.deepEqual(km.enableAutolock(generateUnlockKey()), { changed: true, rotationStarted: false });
    assert.deepEqual(km.keys(), { ...rotating, needsRotation: true });
  });

  it('disable: rewrapped as is; the next restart needs no key', () => {
    const dir = tmp.next();
    const unlockKey = generateUnlockKey();
    const km = KeyManager.open(dir);
    const keys = km.initialize({ unlockKey });
    km.disableAutolock();
    assert.equal(km.autolock, false);
    assert.ok(exposes(dir, keys.current));
    assert.equal(modeOf(fileOf(dir)), 0o600);
    const restarted = KeyManager.open(dir);
    assert.equal(restarted.status, 'unlocked');
    assert.deepEqual(restarted.keys(), keys);
  });

  it('unlock-key --rotate: the old key stops working, the new one opens the same DEKs', () => {
    const dir = tmp.next();
    const oldKey = generateUnlockKey();
    const newKey = generateUnlockKey();
    const km = KeyManager.open(dir);
    const keys = km.initialize({ unlockKey: oldKey });
    km.rotateUnlockKey(newKey);
    assert.deepEqual(km.keys(), keys, 'rotating the KEK does not touch the DEKs');
    assert.throws(() => KeyManager.open(dir).unlock(oldKey), InvalidUnlockKeyError);
    assert.deepEqual(KeyManager.open(dir).unlock(newKey), keys);
  });

  it('setUnlockKey follows the Cluster object idempotently', () => {
    const dir = tmp.next();
    const k1 = generateUnlockKey();
    const km = KeyManager.open(dir);
    km.initialize();
    assert.deepEqual(km.setUnlockKey(null), { changed: false, rotationStarted: false });
    assert.deepEqual(km.setUnlockKey(k1), { changed: true, rotationStarted: true });
    const before = readFileSync(fileOf(dir));
    assert.deepEqual(km.setUnlockKey(k1), { changed: false, rotationStarted: false });
    assert.deepEqual(readFileSync(fileOf(dir)), before, 'an unchanged key writes nothing');
    assert.deepEqual(km.setUnlockKey(generateUnlockKey()), { changed: true, rotationStarted: false });
    assert.deepEqual(km.setUnlockKey(null), { changed: true, rotationStarted: false });
    assert.equal(KeyManager.open(dir).status, 'unlocked');
  });
});

describe('KeyManager: DEK rotation', () => {
  it('rotate -> pending; rotate again -> queued; finish -> pending promoted and the queued one begins', () => {
    const dir = tmp.next();
    const unlockKey = generateUnlockKey();
    const km = KeyManager.open(dir);
    const k0 = km.initialize({ unlockKey });
    assert.throws(() => km.finishDekRotation(), precondition);

    const k1 = km.rotateDek();
    assert.deepEqual(k1.current, k0.current);
    assert.ok(k1.pending);
    assert.notDeepEqual(k1.pending, k0.current);
    assert.equal(k1.needsRotation, false);
    assert.deepEqual(KeyManager.open(dir).unlock(unlockKey), k1, 'the pending DEK is durable before use');

    const k2 = km.rotateDek();
    assert.deepEqual(k2, { ...k1, needsRotation: true });

    const k3 = km.finishDekRotation();
    assert.deepEqual(k3.current, k1.pending);
    assert.ok(k3.pending, 'the queued rotation starts at once');
    assert.equal(k3.needsRotation, false);

    const k4 = km.finishDekRotation();
    assert.deepEqual(k4, { current: k3.pending, pending: null, needsRotation: false });
    assert.deepEqual(KeyManager.open(dir).unlock(unlockKey), k4);
  });
});

describe('the key file', () => {
  it('is 0600 whatever the umask, and a temp file left by a crash is ignored and removed', () => {
    const dir = tmp.next();
    const old = process.umask(0);
    try {
      const km = KeyManager.open(dir);
      const keys = km.initialize();
      assert.equal(modeOf(fileOf(dir)), 0o600);
      km.rotateDek();
      assert.equal(modeOf(fileOf(dir)), 0o600);
      assert.equal(statSync(dir).mode & 0o777, 0o700, 'a directory the key manager creates is 0700');
      writeFileSync(`${fileOf(dir)}.tmp`, 'half a write');
      const again = KeyManager.open(dir);
      assert.deepEqual(again.keys().current, keys.current);
      assert.throws(() => statSync(`${fileOf(dir)}.tmp`), /ENOENT/);
    } finally {
      process.umask(old);
    }
  });

  it('a damaged file is a KeyFileError (corrupt), not a fresh start', () => {
    for (const text of ['', '{', '[]', '{"format":"other"}', '{"format":"shoal-raft-dek/v1","dek":"!!"}']) {
      const dir = tmp.next();
      KeyManager.open(dir).initialize();
      writeFileSync(fileOf(dir), text);
      assert.throws(
        () => KeyManager.open(dir),
        (e: unknown) => e instanceof KeyFileError && e.code === 'corrupt',
        text,
      );
    }
  });
});
