/**
 * Small synchronous file helpers shared by the WAL and the snapshot files: fixed-width hex
 * names (so lexical order is numeric order), directory creation and directory fsync (a
 * created, renamed or removed file is durable only once its directory is synced).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

const HEX16 = /^[0-9a-f]{16}$/;

export function hex16(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
  return n.toString(16).padStart(16, '0');
}

/** Parses 16 lowercase hex digits; null if malformed or out of the safe integer range. */
export function parseHex16(s: string): number | null {
  if (!HEX16.test(s)) return null;
  const n = Number.parseInt(s, 16);
  return Number.isSafeInteger(n) ? n : null;
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates `dir` (and parents) if missing, syncing the parent so the new entry is durable. */
export function ensureDir(dir: string): void {
  if (existsSync(dir)) return;
  ensureDir(dirname(dir));
  mkdirSync(dir);
  fsyncDir(dirname(dir));
}
