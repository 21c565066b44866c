import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { memoryLogger } from '../../base/logger.ts';
import type { Snapshot } from '../core/types.ts';
import { SnapDir, snapFileName } from './snapfile.ts';
import { CorruptionError } from './storage.ts';
import { flipByte, tempRoot, truncateFile, xorCipher } from './testing.ts';

const tmp = tempRoot('snapfile');

function snap(index: number, term: number, bytes = 100): Snapshot {
  return {
    meta: { index, term, conf: { voters: ['a', 'b'], learners: ['c'] } },
    data: new Uint8Array(bytes).map((_, i) => (i * index) & 0xff),
  };
}

describe('snapshot files', () => {
  it('writes a file named by term and index and reads it back, sealed', () => {
    const d = new SnapDir(tmp.next(), { cipher: xorCipher(9) });
    const name = d.save(snap(0x2a, 3));
    assert.equal(name, '0000000000000003-000000000000002a.snap');
    assert.deepStrictEqual(d.read(name), snap(0x2a, 3));
    assert.deepStrictEqual(readdirSync(d.dir), [name]);
    assert.throws(() => new SnapDir(d.dir, { cipher: xorCipher(8) }).read(name), /wrong key/);
  });

  it('lists by index, loads the newest intact one and keeps the newest two', () => {
    const logger = memoryLogger();
    const d = new SnapDir(tmp.next(), { logger });
    for (const [i, t] of [
      [5, 1],
      [20, 2],
      [9, 2],
      [30, 4],
    ] as const) {
      d.save(snap(i, t));
    }
    assert.deepStrictEqual(
      d.list().map((f) => f.index),
      [5, 9, 20, 30],
    );
    flipByte(join(d.dir, snapFileName(4, 30)), 50);
    assert.deepStrictEqual(d.loadNewest(), snap(20, 2));
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.fields.file === snapFileName(4, 30)));
    assert.deepStrictEqual(
      d.loadNewest((f) => f.index < 20),
      snap(9, 2),
    );
    assert.equal(
      d.loadNewest((f) => f.index > 100),
      null,
    );
    assert.deepStrictEqual(d.purge(2), [snapFileName(1, 5), snapFileName(2, 9)]);
    assert.deepStrictEqual(readdirSync(d.dir).sort(), [snapFileName(2, 20), snapFileName(4, 30)]);
  });

  it('refuses a truncated file, a renamed file and a file that is not a snapshot', () => {
    const d = new SnapDir(tmp.next());
    const name = d.save(snap(7, 1));
    const bytes = readFileSync(join(d.dir, name));
    for (const cut of [0, 3, 10, bytes.byteLength - 1]) {
      writeFileSync(join(d.dir, name), bytes);
      truncateFile(join(d.dir, name), cut);
      assert.throws(() => d.read(name), CorruptionError, `cut ${cut}`);
    }
    writeFileSync(join(d.dir, name), bytes);
    renameSync(join(d.dir, name), join(d.dir, snapFileName(1, 8)));
    assert.throws(() => d.read(snapFileName(1, 8)), /holds snapshot 1-7/);
    writeFileSync(join(d.dir, snapFileName(1, 9)), 'not a snapshot');
    assert.throws(() => d.read(snapFileName(1, 9)), /CRC mismatch/);
  });

  it('deletes temp files left by a crash when opened', () => {
    const dir = tmp.next();
    const d = new SnapDir(dir);
    d.save(snap(1, 1));
    writeFileSync(join(dir, `${snapFileName(1, 2)}.tmp`), 'partial');
    const logger = memoryLogger();
    new SnapDir(dir, { logger });
    assert.equal(existsSync(join(dir, `${snapFileName(1, 2)}.tmp`)), false);
    assert.deepStrictEqual(readdirSync(dir), [snapFileName(1, 1)]);
    assert.equal(logger.lines.length, 1);
  });
});
