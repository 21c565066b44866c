import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { memoryLogger } from '../../base/logger.ts';
import { FileStorage, type FileStorageOptions } from './file.ts';
import { scanRecords } from './record.ts';
import { SnapDir } from './snapfile.ts';
import { ent, ents, storageContract } from './storage.contract.ts';
import { observe } from './storage.model.ts';
import { CorruptionError } from './storage.ts';
import { copyDir, flipByte, segmentPaths, tempRoot, truncateFile, xorCipher } from './testing.ts';

const tmp = tempRoot('file-storage');

function fixture(opts: FileStorageOptions = {}) {
  return async () => {
    const dir = tmp.next();
    let current = FileStorage.open(dir, opts);
    return {
      storage: current,
      async reopen() {
        await current.close();
        current = FileStorage.open(dir, opts);
        return current;
      },
    };
  };
}

storageContract('FileStorage', fixture(), { modelRuns: 40 });
// Tiny segments: every append starts a segment, every snapshot removes some; plus a cipher.
storageContract(
  'FileStorage (64-byte segments, XOR cipher)',
  fixture({ segmentBytes: 64, cipher: xorCipher(0x5a) }),
  {
    modelRuns: 40,
  },
);

const hs = (term: number, commit: number) => ({ term, vote: 'n1', commit });
const conf = { voters: ['n1'], learners: [] };

describe('FileStorage on disk', () => {
  it('an unsynced save (commit index only) is readable at once and after a clean reopen', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir);
    await s.save(hs(1, 0), ents(1, 3, 1, 10));
    await s.save(hs(1, 3), [], { sync: false });
    assert.equal(s.initialState().hardState.commit, 3);
    await s.close();
    const r = FileStorage.open(dir);
    assert.equal(r.initialState().hardState.commit, 3);
    assert.equal(r.lastIndex(), 3);
    await r.close();
  });

  for (const segmentBytes of [undefined, 1]) {
    const where = segmentBytes ? 'in a segment of its own (torn header too)' : 'at the end of a segment';
    it(`a torn last batch ${where}, cut at every byte: the earlier data is intact, never a bad entry`, async () => {
      const dir = tmp.next();
      const s = FileStorage.open(dir, { segmentBytes });
      await s.save(hs(1, 3), ents(1, 5, 1, 20));
      const last = () => segmentPaths(dir).at(-1)!;
      const before = segmentBytes ? 0 : statSync(last()).size;
      const batch = [ent(6, 2, 1), ent(7, 2, 40), ent(8, 2, 0), ent(9, 2, 33)];
      await s.save(hs(2, 7), batch);
      const after = statSync(last()).size;
      await s.close();
      const clean = new Set(scanRecords(readFileSync(last())).records.map((r) => r.offset));
      for (let cut = before; cut < after; cut++) {
        const copy = copyDir(dir, tmp.next());
        truncateFile(segmentPaths(copy).at(-1)!, cut);
        const logger = memoryLogger();
        const r = FileStorage.open(copy, { logger, segmentBytes });
        const n = r.lastIndex() - 5;
        assert.ok(n >= 0 && n <= 4, `cut ${cut}: last index ${r.lastIndex()}`);
        assert.deepStrictEqual(r.entries(1, r.lastIndex() + 1, Infinity), [
          ...ents(1, 5, 1, 20),
          ...batch.slice(0, n),
        ]);
        const h = r.initialState().hardState;
        assert.ok(
          n === 4 ? [1, 2].includes(h.term) : h.term === 1,
          `cut ${cut}: hard state ${h.term} with ${n}`,
        );
        const warned = logger.lines.some((l) => l.level === 'warn' && /torn/.test(l.msg));
        assert.equal(warned, !clean.has(cut) && cut > 0, `cut ${cut}: warned ${warned}`);
        await r.save(hs(3, 5), [ent(r.lastIndex() + 1, 3)]); // the repaired log takes new writes
        await r.close();
        const again = FileStorage.open(copy, { segmentBytes });
        assert.equal(again.lastIndex(), 6 + n);
        assert.deepStrictEqual(again.initialState().hardState, hs(3, 5));
        await again.close();
      }
    });
  }

  it('a flipped byte anywhere in a middle record is a CorruptionError naming the file and offset', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir);
    await s.save(hs(1, 0), ents(1, 2, 1, 8));
    const seg = segmentPaths(dir)[0]!;
    const start = statSync(seg).size; // entry 3 starts here
    await s.save(hs(1, 0), ents(3, 5, 1, 8));
    const end = start + 9 + 21 + 8;
    await s.close();
    for (let at = start; at < end; at++) {
      const copy = copyDir(dir, tmp.next());
      flipByte(segmentPaths(copy)[0]!, at, at % 2 ? 0x80 : 0x01);
      assert.throws(
        () => FileStorage.open(copy),
        (e: unknown) =>
          e instanceof CorruptionError &&
          e.message.includes(`0000000000000000-0000000000000001.wal offset ${start}`) &&
          /valid records follow/.test(e.message),
        `flipped byte ${at}`,
      );
    }
  });

  it('a flipped byte in the last record is a torn tail: truncated with a warning', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir);
    await s.save(hs(1, 0), ents(1, 3, 1, 8));
    const seg = segmentPaths(dir)[0]!;
    const start = statSync(seg).size;
    await s.save(null, [ent(4, 1, 8)]);
    await s.close();
    for (const at of [start, start + 3, start + 4, start + 8, start + 9, statSync(seg).size - 1]) {
      const copy = copyDir(dir, tmp.next());
      flipByte(segmentPaths(copy)[0]!, at);
      const logger = memoryLogger();
      const r = FileStorage.open(copy, { logger });
      assert.equal(r.lastIndex(), 3, `flipped byte ${at}`);
      assert.equal(statSync(segmentPaths(copy)[0]!).size, start);
      assert.ok(logger.lines.some((l) => l.level === 'warn' && l.fields.offset === start));
      await r.close();
    }
  });

  it('damage in a segment that is not the last is corruption, even at its end', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir, { segmentBytes: 100 });
    for (let i = 1; i <= 6; i++) await s.save(hs(1, i - 1), [ent(i, 1, 40)]);
    await s.close();
    const first = segmentPaths(dir)[0]!;
    truncateFile(first, statSync(first).size - 1);
    assert.throws(() => FileStorage.open(dir), /offset \d+: incomplete record.*not in the last segment/);
  });

  it('rolls segments over and removes the ones a snapshot made useless', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir, { segmentBytes: 300 });
    for (let i = 1; i <= 30; i++) await s.save(hs(1, i), [ent(i, 1, 50)]);
    const names = s.walSegments();
    assert.ok(names.length >= 8, `${names.length} segments`);
    assert.match(names[1]!, /^0000000000000001-0000000000000003\.wal$/);
    await s.createSnapshot(20, conf, new Uint8Array([1]), 5);
    const kept = s.walSegments();
    assert.ok(kept.length < names.length);
    const firsts = kept.map((n) => Number.parseInt(n.slice(17, 33), 16));
    assert.ok(firsts[0]! <= 16 && (firsts[1] ?? 99) > 16, `kept segments start at ${firsts}`);
    await s.save(hs(2, 30), [ent(31, 2)]);
    const before = observe(s);
    await s.close();
    const r = FileStorage.open(dir, { segmentBytes: 300 });
    assert.deepStrictEqual(observe(r), before);
    assert.equal(r.firstIndex(), 16);
    await r.installSnapshot({ meta: { index: 40, term: 3, conf }, data: new Uint8Array(0) });
    assert.equal(r.walSegments().length, 1);
    await r.close();
    const t = FileStorage.open(dir);
    assert.equal(t.firstIndex(), 41);
    assert.deepStrictEqual(t.initialState().hardState, hs(2, 40));
    await t.close();
  });

  it('ignores and deletes a snapshot temp file left by a crash', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir);
    await s.save(hs(1, 3), ents(1, 3, 1));
    await s.createSnapshot(2, conf, new Uint8Array([7]), 0);
    await s.close();
    const tmpFile = join(dir, 'snap', '0000000000000001-0000000000000003.snap.tmp');
    writeFileSync(tmpFile, 'half a snapshot');
    const logger = memoryLogger();
    const r = FileStorage.open(dir, { logger });
    assert.equal(existsSync(tmpFile), false);
    assert.equal(r.snapshot().meta.index, 2);
    assert.ok(
      logger.lines.some(
        (l) => l.level === 'warn' && l.fields.file === '0000000000000001-0000000000000003.snap.tmp',
      ),
    );
    await r.close();
  });

  it('a crash between the snapshot file and the WAL marker leaves the old state', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir);
    await s.save(hs(1, 8), ents(1, 8, 1));
    await s.createSnapshot(3, conf, new Uint8Array([3]), 0);
    await s.close();
    new SnapDir(join(dir, 'snap')).save({ meta: { index: 6, term: 1, conf }, data: new Uint8Array([6]) });
    const r = FileStorage.open(dir);
    assert.equal(r.snapshot().meta.index, 3);
    assert.equal(r.firstIndex(), 4);
    assert.equal(r.lastIndex(), 8);
    assert.deepStrictEqual(readdirSync(join(dir, 'snap')), ['0000000000000001-0000000000000003.snap']);
    await r.createSnapshot(6, conf, new Uint8Array([66]), 0);
    await r.close();
    const t = FileStorage.open(dir);
    assert.deepStrictEqual(t.snapshot().data, new Uint8Array([66]));
    await t.close();
  });

  for (const segmentBytes of [undefined, 1]) {
    it(`keeps two snapshot files and falls back to the older one when the newest is damaged (segments of ${segmentBytes ?? 'default'} bytes)`, async () => {
      const dir = tmp.next();
      const s = FileStorage.open(dir, { segmentBytes });
      await s.save(hs(1, 20), ents(1, 20, 1));
      for (const i of [5, 10, 15]) await s.createSnapshot(i, conf, new Uint8Array([i]), 10);
      await s.close();
      const snaps = readdirSync(join(dir, 'snap'));
      assert.deepStrictEqual(snaps, [
        '0000000000000001-000000000000000a.snap',
        '0000000000000001-000000000000000f.snap',
      ]);
      flipByte(join(dir, 'snap', snaps[1]!), 20);
      const logger = memoryLogger();
      const r = FileStorage.open(dir, { logger, segmentBytes });
      assert.deepStrictEqual(r.snapshot().data, new Uint8Array([10]));
      assert.equal(r.firstIndex(), 6);
      assert.ok(logger.lines.some((l) => /falling back/.test(l.msg)));
      await r.close();
      const t = FileStorage.open(dir, { segmentBytes });
      assert.equal(t.snapshot().meta.index, 10);
      assert.ok(existsSync(join(dir, 'snap', `${snaps[1]}.broken`)));
      await t.close();
    });
  }

  it('a damaged current snapshot with no older one covering the log is corruption', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir);
    await s.save(hs(1, 20), ents(1, 20, 1));
    await s.createSnapshot(10, conf, new Uint8Array([10]), 0);
    await s.createSnapshot(15, conf, new Uint8Array([15]), 0);
    await s.close();
    flipByte(join(dir, 'snap', '0000000000000001-000000000000000f.snap'), 30);
    assert.throws(() => FileStorage.open(dir), /no older snapshot covers the log from index 16/);
  });

  it('seals records and snapshot data with the cipher; another key cannot open them', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir, { cipher: xorCipher(0x33) });
    const secret = new TextEncoder().encode('swarm-secret-value');
    await s.save(hs(1, 1), [{ index: 1, term: 1, type: 'normal', data: secret }]);
    await s.createSnapshot(1, conf, secret, 0);
    await s.close();
    const raw = Buffer.concat([
      ...segmentPaths(dir).map((p) => readFileSync(p)),
      readFileSync(join(dir, 'snap', readdirSync(join(dir, 'snap'))[0]!)),
    ]);
    assert.equal(raw.includes(Buffer.from(secret)), false);
    const r = FileStorage.open(dir, { cipher: xorCipher(0x33) });
    assert.deepStrictEqual(r.snapshot().data, secret);
    await r.close();
    assert.throws(() => FileStorage.open(dir, { cipher: xorCipher(0x44) }), /wrong key/);
  });

  it('cutSegment: the next write starts a new segment, and a snapshot past it releases the old one', async () => {
    const dir = tmp.next();
    const s = FileStorage.open(dir);
    await s.save(hs(1, 5), ents(1, 5, 1));
    s.cutSegment();
    assert.equal(s.walSegments().length, 1, 'nothing is written until the next append');
    await s.save(hs(1, 8), ents(6, 8, 1));
    assert.deepStrictEqual(s.walSegments(), [
      '0000000000000000-0000000000000001.wal',
      '0000000000000001-0000000000000006.wal',
    ]);
    await s.createSnapshot(5, conf, new Uint8Array([5]), 0);
    assert.deepStrictEqual(s.walSegments(), ['0000000000000001-0000000000000006.wal']);
    await s.close();
    const r = FileStorage.open(dir);
    assert.equal(r.firstIndex(), 6);
    assert.equal(r.lastIndex(), 8);
    await r.close();
  });
});
