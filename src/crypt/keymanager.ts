/**
 * KeyManager: the DEKs of one manager's data directory and the autolock state, kept in
 * the key file (keyfile.ts). It is swarmkit's RaftDEKManager plus the part of its
 * KeyReadWriter that wraps keys with the KEK, for one file.
 *
 *              initialize()                 initialize({ unlockKey })
 *   uninitialized ───────────► unlocked ◄───────────────────────────── uninitialized
 *                               │    ▲
 *          restart, autolock on │    │ unlock(unlockKey)    (wrong key: InvalidUnlockKeyError)
 *                               ▼    │
 *                               locked        keys() etc. throw SwarmLockedError
 *
 *   while unlocked:  enableAutolock(key)  rewrap with the KEK; the DEKs were on disk in the
 *                                         clear, so a DEK rotation starts (or is queued)
 *                    disableAutolock()    rewrap as is
 *                    rotateUnlockKey(key) rewrap with the new KEK
 *                    setUnlockKey(key|null) the one idempotent step behind those three, for
 *                                         a daemon following the Cluster object's key
 *                    rotateDek()          a pending DEK seals new records from now on
 *                    finishDekRotation()  pending becomes current; the old DEK is dropped
 *
 * Every change is written (atomically) before it is visible in memory, so a new key is
 * never used before it is durable. How the daemon finishes a DEK rotation safely is in
 * docs/design/encryption.md and rotation.ts.
 */
import { join } from 'node:path';
import { ShoalError } from '../base/errors.ts';
import type { Algorithm } from './envelope.ts';
import { NotLockedError, SwarmLockedError } from './errors.ts';
import { encodeKeyFile, KEY_FILE_NAME, readKeyFile, type StoredKeys, writeFileAtomic } from './keyfile.ts';
import { type DekSet, generateDek, sameKey } from './keys.ts';
import { cryptoRandom, type RandomSource } from './random.ts';
import { kekFromUnlockKey } from './unlockkey.ts';
import { isSealed, unwrapDek, wrapDek } from './wrap.ts';

export type KeyStatus = 'uninitialized' | 'locked' | 'unlocked';

export interface KeyManagerOptions {
  /** Key source (default node:crypto). */
  random?: RandomSource;
  /** Algorithm used to wrap DEKs with the KEK (default AES-256-GCM). */
  algorithm?: Algorithm;
}

export interface UnlockKeyChange {
  /** The key file was rewritten. */
  changed: boolean;
  /** Autolock was just turned on and a new pending DEK now seals new records. */
  rotationStarted: boolean;
}

export class KeyManager {
  private kek: Uint8Array | null = null;
  private keysInMemory: DekSet | null = null;

  private constructor(
    readonly path: string,
    private stored: StoredKeys | null,
    private readonly opts: KeyManagerOptions,
  ) {}

  /** Reads `<dir>/raft-dek.json` if it exists; without autolock the DEKs are ready at once. */
  static open(dir: string, opts: KeyManagerOptions = {}): KeyManager {
    const path = join(dir, KEY_FILE_NAME);
    const km = new KeyManager(path, readKeyFile(path), opts);
    if (km.stored && !isSealed(km.stored.dek)) km.keysInMemory = unwrapAll(km.stored, null);
    return km;
  }

  get status(): KeyStatus {
    if (this.stored === null) return 'uninitialized';
    return this.keysInMemory === null ? 'locked' : 'unlocked';
  }

  /** Whether the DEKs on disk are sealed by a KEK (autolock on). */
  get autolock(): boolean {
    return this.stored !== null && isSealed(this.stored.dek);
  }

  /** Creates the first DEK; with an unlock key the swarm starts autolocked. */
  initialize(opts: { unlockKey?: string | null } = {}): DekSet {
    if (this.stored !== null) throw precondition(`keys already exist in ${this.path}`);
    const kek = opts.unlockKey ? kekFromUnlockKey(opts.unlockKey) : null;
    this.persist({ current: generateDek(this.random), pending: null, needsRotation: false }, kek);
    return this.keys();
  }

  /** Opens the DEKs with the unlock key. */
  unlock(unlockKey: string): DekSet {
    if (this.stored === null) throw precondition(`no keys in ${this.path}: the node was never initialized`);
    if (this.keysInMemory !== null) throw new NotLockedError();
    const kek = kekFromUnlockKey(unlockKey);
    this.keysInMemory = unwrapAll(this.stored, kek);
    this.kek = kek;
    return this.keys();
  }

  /** The DEKs (a copy); SwarmLockedError while locked. */
  keys(): DekSet {
    const k = this.requireUnlocked();
    return { current: k.current, pending: k.pending, needsRotation: k.needsRotation };
  }

  /**
   * Follows the swarm's unlock key (null: autolock off). Unchanged key: nothing written.
   * Off -> on starts a DEK rotation (the DEKs were readable on disk until now), or marks
   * that another one must follow if one is already under way.
   */
  setUnlockKey(unlockKey: string | null): UnlockKeyChange {
    const keys = this.requireUnlocked();
    const kek = unlockKey === null ? null : kekFromUnlockKey(unlockKey);
    if (kek === null ? this.kek === null : this.kek !== null && sameKey(kek, this.kek)) {
      return { changed: false, rotationStarted: false };
    }
    let next = keys;
    let rotationStarted = false;
    if (this.kek === null && kek !== null) {
      rotationStarted = keys.pending === null;
      next = rotationStarted
        ? { ...keys, pending: generateDek(this.random) }
        : { ...keys, needsRotation: true };
    }
    this.persist(next, kek);
    return { changed: true, rotationStarted };
  }

  enableAutolock(unlockKey: string): UnlockKeyChange {
    this.requireUnlocked();
    if (this.kek !== null) throw precondition('autolock is already enabled');
    return this.setUnlockKey(unlockKey);
  }

  disableAutolock(): void {
    this.requireUnlocked();
    if (this.kek === null) throw precondition('autolock is not enabled');
    this.setUnlockKey(null);
  }

  rotateUnlockKey(newUnlockKey: string): void {
    this.requireUnlocked();
    if (this.kek === null) throw precondition('autolock is not enabled: there is no unlock key to rotate');
    this.setUnlockKey(newUnlockKey);
  }

  /** Starts a DEK rotation (or queues one if one is under way); returns the keys to use. */
  rotateDek(): DekSet {
    const keys = this.requireUnlocked();
    this.persist(
      keys.pending === null
        ? { ...keys, pending: generateDek(this.random) }
        : { ...keys, needsRotation: true },
      this.kek,
    );
    return this.keys();
  }

  /**
   * Ends the rotation under way: the pending DEK becomes current, the old one is dropped.
   * Call it only once nothing on disk is sealed with the old DEK (rotation.ts). If another
   * rotation was queued it starts at once: the result has a new pending DEK.
   */
  finishDekRotation(): DekSet {
    const keys = this.requireUnlocked();
    if (keys.pending === null) throw precondition('no DEK rotation is under way');
    const next: DekSet = { current: keys.pending, pending: null, needsRotation: false };
    if (keys.needsRotation) next.pending = generateDek(this.random);
    this.persist(next, this.kek);
    return this.keys();
  }

  private get random(): RandomSource {
    return this.opts.random ?? cryptoRandom;
  }

  private requireUnlocked(): DekSet {
    if (this.stored === null) throw precondition(`no keys in ${this.path}: the node was never initialized`);
    if (this.keysInMemory === null) throw new SwarmLockedError();
    return this.keysInMemory;
  }

  /** Writes the keys wrapped by `kek`, then makes them (and the KEK) current in memory. */
  private persist(keys: DekSet, kek: Uint8Array | null): void {
    const w = { algorithm: this.opts.algorithm, random: this.opts.random };
    const stored: StoredKeys = {
      dek: wrapDek(keys.current, kek, w),
      pendingDek: keys.pending ? wrapDek(keys.pending, kek, w) : null,
      needsRotation: keys.needsRotation,
    };
    writeFileAtomic(this.path, encodeKeyFile(stored));
    this.stored = stored;
    this.kek = kek;
    this.keysInMemory = { ...keys };
  }
}

function unwrapAll(s: StoredKeys, kek: Uint8Array | null): DekSet {
  return {
    current: unwrapDek(s.dek, kek),
    pending: s.pendingDek ? unwrapDek(s.pendingDek, kek) : null,
    needsRotation: s.needsRotation,
  };
}

function precondition(message: string): ShoalError {
  return new ShoalError('failed_precondition', `keys: ${message}`);
}
