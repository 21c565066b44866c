import assert from 'node:assert/strict';
import { closeSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HardState } from '../core/types.ts';
import { ents } from './storage.contract.ts';
import { tempRoot } from './testing.ts';
import { type SegmentStart, Wal } from './wal.ts';

const tmp = tempRoot('wal');
const hs = (term: number, commit: number): HardState => ({ term, vote: 'x', commit });
const entries = (lo: number, hi: number, term: number) =>
  ents(lo, hi, term, 30).map((entry) => ({ type: 'entry' as const, entry }));

/** Tracks the state a caller would pass as `before` (what FileStorage does). */
function writer(dir: string, segmentBytes?: number) {
  const { wal } = Wal.open(dir, { segmentBytes });
  const start: SegmentStart = {
    snap: { index: 0, term: 0 },
    compact: { index: 0, term: 0 },
    lastIndex: 0,
    hardState: hs(0, 0),
  };
  return {
    wal,
    save(lo: number, hi: number, term: number, h: HardState) {
      wal.append([...entries(lo, hi, term), { type: 'hardState', hardState: h }], { ...start });
      Object.assign(start, { lastIndex: hi, hardState: h });
    },
    compact(snap: number, to: number, term: number) {
      wal.append(
        [
          {
            type: 'snapshot',
            marker: { snap: { index: snap, term }, compact: { index: to, term }, dropLog: false },
          },
        ],
        { ...start },
      );
      Object.assign(start, { snap: { index: snap, term }, compact: { index: to, term } });
    },
  };
}

describe('WAL', () => {
  it('a fresh WAL starts segment 0 at index 1 and replays empty', () => {
    const dir = tmp.next();
    Wal.open(dir).wal.close();
    assert.deepStrictEqual(readdirSync(dir), ['0000000000000000-0000000000000001.wal']);
    const { wal, state } = Wal.open(dir);
    assert.deepStrictEqual(state.hardState, { term: 0, vote: '', commit: 0 });
    assert.equal(state.log.lastIndex(), 0);
    wal.close();
  });

  it('replays entries, truncations, the last hard state and snapshot markers', () => {
    const dir = tmp.next();
    const w = writer(dir);
    w.save(1, 6, 1, hs(1, 2));
    w.save(4, 5, 2, hs(2, 3)); // a new leader replaces 4..6
    w.compact(3, 2, 1);
    w.wal.append(
      [
        {
          type: 'snapshot',
          marker: { snap: { index: 9, term: 3 }, compact: { index: 9, term: 3 }, dropLog: true },
        },
      ],
      {
        snap: { index: 3, term: 1 },
        compact: { index: 2, term: 1 },
        lastIndex: 5,
        hardState: hs(2, 3),
      },
    );
    w.wal.close();
    const { wal, state } = Wal.open(dir);
    assert.deepStrictEqual(state.hardState, hs(2, 3));
    assert.deepStrictEqual(state.snap, { index: 9, term: 3 });
    assert.deepStrictEqual([state.log.compact, state.log.lastIndex()], [{ index: 9, term: 3 }, 9]);
    wal.close();
  });

  it('releases a segment only once every entry live when the next one started is compacted', () => {
    const dir = tmp.next();
    const w = writer(dir, 1); // every append starts a segment
    w.save(1, 10, 1, hs(1, 0)); // segment 1, first index 1
    w.save(6, 8, 2, hs(2, 0)); // segment 2, first index 11: a new leader replaces 6..10
    w.save(9, 9, 2, hs(2, 9)); // segment 3, first index 9
    w.compact(7, 7, 2); // segment 4, first index 10
    // Segment 2 holds the live entry 8; segment 3 started while 1..8 were live.
    assert.deepStrictEqual(w.wal.releaseTo(7), ['0000000000000000-0000000000000001.wal']);
    w.wal.close();
    let r = Wal.open(dir);
    assert.deepStrictEqual(r.state.log.all(), [...ents(8, 8, 2, 30), ...ents(9, 9, 2, 30)]);
    r.wal.close();
    r = Wal.open(dir);
    r.wal.append(
      [
        {
          type: 'snapshot',
          marker: { snap: { index: 8, term: 2 }, compact: { index: 8, term: 2 }, dropLog: false },
        },
      ],
      {
        snap: { index: 7, term: 2 },
        compact: { index: 7, term: 2 },
        lastIndex: 9,
        hardState: hs(2, 9),
      },
    );
    assert.deepStrictEqual(r.wal.releaseTo(8), [
      '0000000000000001-0000000000000001.wal',
      '0000000000000002-000000000000000b.wal',
    ]);
    r.wal.close();
    r = Wal.open(dir);
    assert.deepStrictEqual(
      [r.state.log.compact, r.state.log.all()],
      [{ index: 8, term: 2 }, ents(9, 9, 2, 30)],
    );
    assert.deepStrictEqual(r.state.hardState, hs(2, 9));
    r.wal.close();
  });

  it('a segment removed too early, or one missing in the middle, is corruption', () => {
    const dir = tmp.next();
    const w = writer(dir, 1);
    w.save(1, 3, 1, hs(1, 0));
    w.save(4, 6, 1, hs(1, 0));
    w.save(7, 9, 1, hs(1, 0));
    w.wal.close();
    const names = readdirSync(dir).sort();
    rmSync(join(dir, names[2]!));
    assert.throws(() => Wal.open(dir), /segment 0000000000000002 is missing/);
    rmSync(join(dir, names[0]!));
    rmSync(join(dir, names[1]!));
    assert.throws(() => Wal.open(dir), /entries from 1 on are missing after compaction point 0/);
  });

  it('a segment whose name disagrees with its header is corruption', () => {
    const dir = tmp.next();
    const w = writer(dir, 1);
    w.save(1, 3, 1, hs(1, 0));
    w.save(4, 6, 1, hs(1, 0));
    w.wal.close();
    const last = readdirSync(dir).sort().at(-1)!;
    renameSync(join(dir, last), join(dir, last.replace(/-.*/, '-0000000000000005.wal')));
    assert.throws(() => Wal.open(dir), /header disagrees with name/);
  });

  it('refuses every write after a failed one (no fsync retry)', () => {
    const w = writer(tmp.next());
    closeSync(Reflect.get(w.wal, 'fd') as number); // the next write fails with EBADF
    assert.throws(() => w.save(1, 1, 1, hs(1, 0)), /EBADF/);
    assert.throws(() => w.save(1, 1, 1, hs(1, 0)), /unusable after a failed write/);
  });
});
