/**
 * The unlock key of an autolocked swarm, in Docker's format: `SWMKEY-1-` followed by 32
 * random bytes in standard base64 without padding (swarmkit HumanReadableKey uses Go's
 * base64.RawStdEncoding), 52 characters in all, e.g.
 * `SWMKEY-1-5+ICW2kRxPxZrVyBDWzBkzZdSd0Yc7Cl2o4Uuf9NPU4`.
 *
 * The key encryption key (KEK) is derived from it with HKDF-SHA256 (info
 * "shoal/kek/v1"): the unlock key already has 256 bits of entropy, so no password
 * stretching is needed, and the derivation keeps the KEK apart from any other use of
 * the same bytes. (swarmkit uses the raw bytes as the KEK.)
 *
 * Parsing is strict where Go's decoder is lenient (it skips \r and \n): anything but
 * exactly 43 base64 characters decoding to 32 bytes is "invalid key string", Docker's
 * message. The Docker CLI trims whitespace before sending the key; the API does not.
 */
import { hkdfSync } from 'node:crypto';
import { InvalidUnlockKeyFormatError } from './errors.ts';
import { checkKey, KEY_BYTES } from './keys.ts';
import { cryptoRandom, type RandomSource, randomBytes } from './random.ts';

export const UNLOCK_KEY_PREFIX = 'SWMKEY-1-';

const BODY = /^[A-Za-z0-9+/]{43}$/;

/** Formats 32 key bytes as `SWMKEY-1-<unpadded base64>`. */
export function formatUnlockKey(key: Uint8Array): string {
  checkKey(key, 'unlock key');
  return UNLOCK_KEY_PREFIX + Buffer.from(key).toString('base64').replace(/=+$/, '');
}

/** A new unlock key: 32 bytes from `random` (node:crypto by default). */
export function generateUnlockKey(random: RandomSource = cryptoRandom): string {
  return formatUnlockKey(randomBytes(KEY_BYTES, random));
}

/** The 32 key bytes of an unlock key; InvalidUnlockKeyFormatError ("invalid key string"). */
export function parseUnlockKey(s: string): Uint8Array {
  if (!s.startsWith(UNLOCK_KEY_PREFIX)) throw new InvalidUnlockKeyFormatError();
  const body = s.slice(UNLOCK_KEY_PREFIX.length);
  if (!BODY.test(body)) throw new InvalidUnlockKeyFormatError();
  const bytes = new Uint8Array(Buffer.from(body, 'base64'));
  // 43 characters carry 258 bits: the last 2 must be zero (canonical encoding).
  if (bytes.byteLength !== KEY_BYTES || formatUnlockKey(bytes) !== s) throw new InvalidUnlockKeyFormatError();
  return bytes;
}

const KEK_INFO = 'shoal/kek/v1';

/** The KEK an unlock key stands for (a string is parsed first). */
export function kekFromUnlockKey(unlockKey: string | Uint8Array): Uint8Array {
  const bytes = typeof unlockKey === 'string' ? parseUnlockKey(unlockKey) : unlockKey;
  checkKey(bytes, 'unlock key');
  return new Uint8Array(hkdfSync('sha256', bytes, new Uint8Array(0), KEK_INFO, KEY_BYTES));
}
