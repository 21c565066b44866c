/**
 * A quick measurement of FileStorage.save() throughput on this machine (not a test):
 * every save is one WAL write plus one fdatasync, so the figures are mostly the disk's
 * sync latency. Run: node --import tsx src/raft/storage/bench-wal.ts [seconds]
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../core/types.ts';
import { FileStorage } from './file.ts';

const seconds = Number(process.argv[2] ?? 3);

async function run(label: string, perSave: number, entryBytes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-wal-'));
  const s = FileStorage.open(dir);
  const data = new Uint8Array(entryBytes).fill(0xab);
  let index = 0;
  let saves = 0;
  let snapped = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    const batch: Entry[] = [];
    for (let i = 0; i < perSave; i++) batch.push({ index: ++index, term: 1, type: 'normal', data });
    await s.save({ term: 1, vote: 'n1', commit: index }, batch);
    saves++;
    if (index - snapped >= 100_000) {
      snapped = index;
      // Keep memory flat: compact (and drop WAL segments) the way a manager would.
      await s.createSnapshot(index, { voters: ['n1'], learners: [] }, new Uint8Array(0), 0);
    }
  }
  const secs = (performance.now() - t0) / 1000;
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  const mb = (index * entryBytes) / secs / 1e6;
  console.log(
    `${label}: ${(saves / secs).toFixed(0)} saves/s (fsyncs/s), ${(index / secs).toFixed(0)} entries/s, ` +
      `${mb.toFixed(1)} MB/s of entry data, ${((secs / saves) * 1e6).toFixed(0)} µs per save`,
  );
}

/** The ceiling: a bare write + fdatasync of the same size, no encoding, no bookkeeping. */
function baseline(bytes: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-raw-'));
  const fd = openSync(join(dir, 'raw'), 'w');
  const buf = Buffer.alloc(bytes, 0xab);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    writeSync(fd, buf);
    fdatasyncSync(fd);
    n++;
  }
  const secs = (performance.now() - t0) / 1000;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `raw write(${bytes} B) + fdatasync: ${(n / secs).toFixed(0)}/s, ${((secs / n) * 1e6).toFixed(0)} µs each`,
  );
}

baseline(320);
await run('1 entry x 256 B per save ', 1, 256);
baseline(64 * 290);
await run('64 entries x 256 B per save', 64, 256);
