/**
 * What encryption at rest costs on the WAL append path (not a test). Three measurements:
 * one seal/open of a 256-byte entry's payload; the CPU cost of framing one group commit
 * (64 entries x 256 B + hard state) with and without the cipher; and FileStorage.save()
 * of such a batch including the fdatasync, identity vs AES-256-GCM vs ChaCha20-Poly1305,
 * run in alternating rounds so disk noise hits all three alike (medians reported). Also
 * the replay cost of opening a WAL. Run: node --import tsx src/crypt/bench.ts [seconds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../raft/core/types.ts';
import { type Cipher, identityCipher } from '../raft/storage/cipher.ts';
import { FileStorage } from '../raft/storage/file.ts';
import { encodeRecords, type WalRecord } from '../raft/storage/record.ts';
import { createCipher } from './cipher.ts';
import { generateDek } from './keys.ts';

const seconds = Number(process.argv[2] ?? 2);
const ENTRY = 256;
const BATCH = 64;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeOps(fn: () => void, ms: number): number {
  for (let i = 0; i < 1000; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return ((performance.now() - t0) * 1000) / n; // µs per op
}

const ciphers: [string, Cipher][] = [
  ['identity', identityCipher],
  ['aes-256-gcm', createCipher(generateDek())],
  ['chacha20-poly1305', createCipher(generateDek(), { algorithm: 'chacha20-poly1305' })],
];

// 1. One record.
const payload = new Uint8Array(ENTRY + 24).fill(0xab);
for (const [name, c] of ciphers.slice(1)) {
  const sealed = c.seal(payload);
  const s = timeOps(() => c.seal(payload), 500);
  const o = timeOps(() => c.open(sealed), 500);
  console.log(
    `${name}: seal ${s.toFixed(2)} µs, open ${o.toFixed(2)} µs per ${payload.byteLength}-byte payload`,
  );
}

// 2. Framing one group commit (CPU only).
const data = new Uint8Array(ENTRY).fill(0xcd);
const batch: WalRecord[] = [];
for (let i = 1; i <= BATCH; i++)
  batch.push({ type: 'entry', entry: { index: i, term: 1, type: 'normal', data } });
batch.push({ type: 'hardState', hardState: { term: 1, vote: 'n1', commit: BATCH } });
for (const [name, c] of ciphers) {
  const us = timeOps(() => encodeRecords(batch, c), 700);
  const bytes = encodeRecords(batch, c).byteLength;
  console.log(
    `encodeRecords(${BATCH} x ${ENTRY} B + hard state), ${name}: ${us.toFixed(1)} µs, ${bytes} bytes`,
  );
}

{
  // What sealing the framed batch as ONE envelope would cost (a possible WAL format change).
  const framed = encodeRecords(batch, identityCipher);
  const c = ciphers[1]![1];
  const us = timeOps(() => c.seal(framed), 700);
  console.log(
    `one aes-256-gcm seal over the whole framed batch (${framed.byteLength} bytes): ${us.toFixed(1)} µs`,
  );
}

// 3. FileStorage.save with fdatasync, alternating rounds.
interface Run {
  dir: string;
  s: FileStorage;
  index: number;
  perSave: number[];
}
const runs = ciphers.map(([name, cipher]) => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-crypt-'));
  return { name, run: { dir, s: FileStorage.open(dir, { cipher }), index: 0, perSave: [] } as Run };
});
async function round(r: Run, ms: number): Promise<void> {
  let saves = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const entries: Entry[] = [];
    for (let i = 0; i < BATCH; i++) entries.push({ index: ++r.index, term: 1, type: 'normal', data });
    await r.s.save({ term: 1, vote: 'n1', commit: r.index }, entries);
    saves++;
    if (r.index % 51_200 === 0) await r.s.createSnapshot(r.index, { voters: ['n1'], learners: [] }, data, 0);
  }
  r.perSave.push(((performance.now() - t0) * 1000) / saves);
}
const rounds = 7;
for (let k = 0; k < rounds; k++) for (const { run } of runs) await round(run, (seconds * 1000) / rounds);
const base = median(runs[0]!.run.perSave);
for (const { name, run } of runs) {
  const us = median(run.perSave);
  const overhead =
    name === 'identity'
      ? ''
      : `, +${(us - base).toFixed(0)} µs (+${(((us - base) / base) * 100).toFixed(0)}%)`;
  console.log(
    `save(${BATCH} x ${ENTRY} B) + fdatasync, ${name}: ${us.toFixed(0)} µs per save (median of ${rounds} rounds: ` +
      `${run.perSave.map((x) => x.toFixed(0)).join(' ')}), ${((BATCH * 1e6) / us).toFixed(0)} entries/s${overhead}`,
  );
}

// 4. Replay: reopening what was written.
for (const { name, run } of runs) {
  await run.s.close();
  const cipher = ciphers.find(([n]) => n === name)![1];
  const t0 = performance.now();
  const s = FileStorage.open(run.dir, { cipher });
  const ms = performance.now() - t0;
  const n = s.lastIndex() - s.firstIndex() + 1;
  console.log(
    `open/replay, ${name}: ${n} entries in ${ms.toFixed(0)} ms (${((ms * 1000) / n).toFixed(2)} µs/entry)`,
  );
  await s.close();
  rmSync(run.dir, { recursive: true, force: true });
}
