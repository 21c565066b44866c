/**
 * Test helpers for the file-backed storage: a temp root removed after the test file, a
 * logger that keeps lines, a toy cipher (an XOR with a tag byte, so a wrong key fails to
 * open) and byte-level surgery on the files. Imported only by *.test.ts files.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Cipher } from './cipher.ts';

/** A temp directory for this test file; `next()` gives a fresh path inside it. */
export function tempRoot(prefix: string): { root: string; next(): string } {
  const root = mkdtempSync(join(tmpdir(), `shoal-${prefix}-`));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return { root, next: () => join(root, `d${n++}`) };
}

export function xorCipher(key: number): Cipher {
  return {
    seal(plain) {
      const out = new Uint8Array(plain.byteLength + 1);
      out[0] = key;
      for (let i = 0; i < plain.byteLength; i++) out[i + 1] = plain[i]! ^ key;
      return out;
    },
    open(sealed) {
      if (sealed[0] !== key) throw new Error('sealed with another key');
      return sealed.subarray(1).map((b) => b ^ key);
    },
  };
}

/** The WAL segment paths of a storage directory, oldest first. */
export function segmentPaths(dir: string): string[] {
  const wal = join(dir, 'wal');
  return readdirSync(wal)
    .filter((n) => n.endsWith('.wal'))
    .sort()
    .map((n) => join(wal, n));
}

export function copyDir(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

export function flipByte(path: string, offset: number, mask = 0x01): void {
  const buf = readFileSync(path);
  buf[offset]! ^= mask;
  writeFileSync(path, buf);
}

export function truncateFile(path: string, size: number): void {
  truncateSync(path, size);
}
