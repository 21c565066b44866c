/**
 * The storage adapter under the on-disk TLS store: the few file operations it needs, as
 * an injectable interface (tests inject failures to prove atomicity), and an atomic write
 * the way swarmkit's ioutils.AtomicWriteFile does it: write a temporary file in the same
 * directory, fsync it, set its mode, rename it over the target, fsync the directory. A
 * crash leaves either the old file or the new one, never a torn one.
 */
import * as fs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface FileOps {
  readFile(path: string): Promise<string | null>;
  /** Writes, fsyncs and closes a new file with `mode`. */
  writeNew(path: string, data: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  mkdirp(path: string, mode: number): Promise<void>;
  fsyncDir(path: string): Promise<void>;
  list(dir: string): Promise<string[]>;
  mode(path: string): Promise<number | null>;
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export const nodeFileOps: FileOps = {
  async readFile(path) {
    try {
      return await fs.readFile(path, 'utf8');
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  },
  async writeNew(path, data, mode) {
    const fh = await fs.open(path, 'wx', mode);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.chmod(mode); // open()'s mode is narrowed by the umask: set it exactly
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  rename: (from, to) => fs.rename(from, to),
  async remove(path) {
    await fs.rm(path, { force: true, recursive: true });
  },
  async mkdirp(path, mode) {
    await fs.mkdir(path, { recursive: true, mode });
  },
  async fsyncDir(path) {
    const fh = await fs.open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  async list(dir) {
    try {
      return await fs.readdir(dir);
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
  },
  async mode(path) {
    try {
      return (await fs.stat(path)).mode & 0o777;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  },
};

let seq = 0;

/** Temporary files start with this, so a reader can sweep leftovers of a crash. */
export const TEMP_PREFIX = '.tmp-';

/** Replaces `path` with `data` atomically; the file ends with exactly `mode`. */
export async function writeFileAtomic(ops: FileOps, path: string, data: string, mode: number): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `${TEMP_PREFIX}${basename(path)}-${process.pid}-${seq++}`);
  try {
    await ops.writeNew(tmp, data, mode);
    await ops.rename(tmp, path);
  } catch (e) {
    await ops.remove(tmp).catch(() => undefined);
    throw e;
  }
  await ops.fsyncDir(dir);
}
