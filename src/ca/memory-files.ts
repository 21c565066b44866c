/**
 * The in-memory twin of the TLS store's file operations: a map of path -> (data, mode),
 * with directories implied. `new NodeTlsStore(dir, { files: memoryFileOps() })` is a TLS
 * store for the simulator and for tests, running the very same code as the disk store.
 */
import { dirname } from 'node:path';
import type { FileOps } from './atomic-file.ts';

export interface MemoryFiles extends FileOps {
  /** The files, for inspection: path -> contents and mode. */
  readonly files: Map<string, { data: string; mode: number }>;
}

export function memoryFileOps(): MemoryFiles {
  const files = new Map<string, { data: string; mode: number }>();
  return {
    files,
    async readFile(path) {
      return files.get(path)?.data ?? null;
    },
    async writeNew(path, data, mode) {
      if (files.has(path)) throw Object.assign(new Error(`EEXIST: ${path}`), { code: 'EEXIST' });
      files.set(path, { data, mode });
    },
    async rename(from, to) {
      const f = files.get(from);
      if (f === undefined) throw Object.assign(new Error(`ENOENT: ${from}`), { code: 'ENOENT' });
      files.delete(from);
      files.set(to, f);
    },
    async remove(path) {
      for (const p of [...files.keys()]) if (p === path || p.startsWith(`${path}/`)) files.delete(p);
    },
    async mkdirp() {},
    async fsyncDir() {},
    async list(dir) {
      return [...files.keys()].filter((p) => dirname(p) === dir).map((p) => p.slice(dir.length + 1));
    },
    async mode(path) {
      return files.get(path)?.mode ?? null;
    },
  };
}
