/**
 * The hook for encryption at rest: FileStorage seals every WAL record payload and every
 * snapshot's data with it, and opens them on load. `open` must throw on bytes it did not
 * seal (a wrong key); the storage reports that as corruption. Real ciphers arrive with the
 * encryption-at-rest issue; until then the identity cipher stores plain bytes.
 */
export interface Cipher {
  seal(plain: Uint8Array): Uint8Array;
  open(sealed: Uint8Array): Uint8Array;
}

export const identityCipher: Cipher = {
  seal: (plain) => plain,
  open: (sealed) => sealed,
};
