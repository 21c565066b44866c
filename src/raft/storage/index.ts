/**
 * src/raft/storage: where the Raft log, the hard state and the snapshots are kept. The
 * driver (src/raft/node.ts) persists each Ready here before sending the messages that
 * depend on it; the core reads the stable log back through LogStorage.
 *
 * - storage.ts: the interfaces and errors; storage.contract.ts: the suite both pass.
 * - memory.ts: MemoryStorage, the in-memory twin with a crash model (tests, simulator).
 * - file.ts: FileStorage, a WAL (wal.ts, replay.ts, record.ts, segment.ts) plus snapshot
 *   files (snapfile.ts). Design and on-disk formats: docs/design/raft-storage.md.
 */
export type { Cipher } from './cipher.ts';
export { identityCipher } from './cipher.ts';
export { FileStorage, type FileStorageOptions } from './file.ts';
export type { LogPoint } from './log.ts';
export { type MemoryImage, MemoryStorage, type MemoryStorageOptions } from './memory.ts';
export * from './storage.ts';
export { DEFAULT_SEGMENT_BYTES } from './wal.ts';
