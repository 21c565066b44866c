/**
 * src/crypt: encryption at rest for a manager's data directory, and autolock. It sits
 * beside src/ca: above raft (it fills raft storage's cipher hook), below the daemon (which
 * owns the data directory and follows the Cluster object's unlock key).
 *
 *   unlock key (SWMKEY-1-…, autolock only) ─HKDF─► KEK ─wraps─► DEK ─seals─► WAL records, snapshots
 *
 * - envelope.ts: the sealed format (version, algorithm, key id, nonce, tag).
 * - keys.ts, random.ts: key material, key ids, where random bytes come from.
 * - cipher.ts: createCipher(dek), the storage hook; MultiDecrypter for rotations.
 * - unlockkey.ts: SWMKEY-1 unlock keys and the KEK derived from them.
 * - wrap.ts: a DEK wrapped by the KEK (or stored as is without autolock).
 * - keyfile.ts, keymanager.ts: the key file and its state machine (lock, unlock, rotate).
 * - rotation.ts: which keys still seal data on disk (when a DEK rotation may finish).
 * Design: docs/design/encryption.md.
 */
export { type CipherOptions, cipherForKeys, createCipher, DekCipher, MultiDecrypter } from './cipher.ts';
export { type Algorithm, keyIdHex, SEALED_OVERHEAD } from './envelope.ts';
export * from './errors.ts';
export { KEY_FILE_MODE, KEY_FILE_NAME } from './keyfile.ts';
export { KeyManager, type KeyManagerOptions, type KeyStatus, type UnlockKeyChange } from './keymanager.ts';
export { type DekSet, generateDek, keyId } from './keys.ts';
export { cryptoRandom, type RandomSource, rngRandom } from './random.ts';
export { canFinishRotation, type KeysOnDisk, sealingKeysOnDisk } from './rotation.ts';
export {
  formatUnlockKey,
  generateUnlockKey,
  kekFromUnlockKey,
  parseUnlockKey,
  UNLOCK_KEY_PREFIX,
} from './unlockkey.ts';
export { isSealed, unwrapDek, type WrapOptions, wrapDek } from './wrap.ts';
