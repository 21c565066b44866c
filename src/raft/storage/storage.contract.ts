/**
 * The contract every RaftStorage passes (memory.test.ts and file.test.ts run it): the
 * LogStorage read semantics, the three writes, and that reopening (a restart, or for
 * MemoryStorage a crash with everything durable) returns exactly what was written. The
 * last test drives random operation sequences against an independent reference model
 * (storage.model.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entry, HardState, Snapshot } from '../core/types.ts';
import { observe, randomOpsMatchModel } from './storage.model.ts';
import { CompactedError, type RaftStorage, UnavailableError } from './storage.ts';

export interface StorageFixture {
  storage: RaftStorage;
  /** Closes the storage (or crashes it) and opens what survived. */
  reopen(): Promise<RaftStorage>;
}

export function ent(index: number, term: number, size = 4): Entry {
  return {
    index,
    term,
    type: index % 7 === 0 ? 'conf' : 'normal',
    data: new Uint8Array(size).fill(index & 0xff),
  };
}

export function ents(lo: number, hi: number, term: number, size = 4): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i <= hi; i++) out.push(ent(i, term, size));
  return out;
}

const hs = (term: number, commit: number, vote = 'n1'): HardState => ({ term, vote, commit });

function snap(index: number, term: number, voters = ['n1', 'n2', 'n3']): Snapshot {
  return {
    meta: { index, term, conf: { voters, learners: ['n9'] } },
    data: new TextEncoder().encode(`state@${index}`),
  };
}

export interface ContractOptions {
  /** Random sequences to run against the model (default 100). */
  modelRuns?: number;
}

export function storageContract(
  name: string,
  make: () => Promise<StorageFixture>,
  opts: ContractOptions = {},
): void {
  describe(`${name}: RaftStorage contract`, () => {
    it('starts empty', async () => {
      const { storage: s } = await make();
      assert.equal(s.firstIndex(), 1);
      assert.equal(s.lastIndex(), 0);
      assert.equal(s.term(0), 0);
      assert.deepStrictEqual(s.initialState(), {
        hardState: hs(0, 0, ''),
        conf: { voters: [], learners: [] },
      });
      assert.equal(s.snapshot().meta.index, 0);
      assert.deepStrictEqual(s.entries(1, 1, 100), []);
      assert.throws(() => s.entries(1, 2, 100), UnavailableError);
      assert.throws(() => s.term(1), UnavailableError);
      await s.close();
    });

    it('appends entries and reads them back', async () => {
      const { storage: s } = await make();
      await s.save(hs(1, 2), ents(1, 5, 1));
      await s.save(null, ents(6, 8, 2));
      assert.equal(s.lastIndex(), 8);
      assert.deepStrictEqual(s.entries(1, 9, Infinity), [...ents(1, 5, 1), ...ents(6, 8, 2)]);
      assert.deepStrictEqual(s.entries(4, 7, Infinity), [ent(4, 1), ent(5, 1), ent(6, 2)]);
      assert.deepStrictEqual(
        [5, 6, 8].map((i) => s.term(i)),
        [1, 2, 2],
      );
      assert.deepStrictEqual(s.initialState().hardState, hs(1, 2));
      await s.close();
    });

    it('replaces the stored suffix from the first index of a save', async () => {
      const { storage: s } = await make();
      await s.save(null, ents(1, 5, 1));
      await s.save(null, ents(3, 4, 2));
      assert.equal(s.lastIndex(), 4);
      assert.deepStrictEqual(s.entries(1, 5, Infinity), [ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
      await s.save(null, [ent(2, 3)]);
      assert.deepStrictEqual(s.entries(1, 3, Infinity), [ent(1, 1), ent(2, 3)]);
      await s.close();
    });

    it('refuses a gap or a non-contiguous batch, changing nothing', async () => {
      const { storage: s } = await make();
      await s.save(hs(1, 0), ents(1, 3, 1));
      await assert.rejects(s.save(hs(2, 0), [ent(5, 1)]), /gap/);
      await assert.rejects(s.save(null, [ent(4, 1), ent(6, 1)]), /contiguous/);
      assert.equal(s.lastIndex(), 3);
      assert.deepStrictEqual(s.initialState().hardState, hs(1, 0));
      await s.close();
    });

    it('limits entries() by maxBytes, but returns at least one', async () => {
      const { storage: s } = await make();
      await s.save(null, ents(1, 5, 1, 10)); // 34 bytes each by entrySize()
      assert.equal(s.entries(1, 6, 0).length, 1);
      assert.equal(s.entries(1, 6, 67).length, 1);
      assert.equal(s.entries(1, 6, 68).length, 2);
      assert.equal(s.entries(2, 6, 34 * 4).length, 4);
      assert.equal(s.entries(1, 6, Infinity).length, 5);
      await s.close();
    });

    it('hard state survives a reopen, also when saved without entries', async () => {
      const f = await make();
      await f.storage.save(hs(3, 0, 'n2'), []);
      await f.storage.save(hs(4, 0, ''), []);
      const s = await f.reopen();
      assert.deepStrictEqual(s.initialState().hardState, hs(4, 0, ''));
      await s.close();
    });

    it('reopen returns everything that was saved', async () => {
      const f = await make();
      await f.storage.save(hs(2, 6), ents(1, 9, 1, 100));
      await f.storage.save(hs(3, 7), ents(8, 12, 3, 50));
      const before = observe(f.storage);
      const s = await f.reopen();
      assert.deepStrictEqual(observe(s), before);
      assert.equal(s.lastIndex(), 12);
      await s.save(null, [ent(13, 3)]);
      assert.equal(s.lastIndex(), 13);
      await s.close();
    });

    it('installs a snapshot on an empty log', async () => {
      const f = await make();
      await f.storage.save(hs(3, 0), []);
      await f.storage.installSnapshot(snap(10, 3));
      const check = (s: RaftStorage) => {
        assert.equal(s.firstIndex(), 11);
        assert.equal(s.lastIndex(), 10);
        assert.equal(s.term(10), 3);
        assert.deepStrictEqual(s.snapshot(), snap(10, 3));
        assert.deepStrictEqual(s.initialState(), { hardState: hs(3, 10), conf: snap(10, 3).meta.conf });
        assert.throws(() => s.entries(10, 11, 100), CompactedError);
        assert.throws(() => s.term(9), CompactedError);
        assert.deepStrictEqual(s.entries(11, 11, 100), []);
      };
      check(f.storage);
      const s = await f.reopen();
      check(s);
      await s.save(null, [ent(11, 3)]);
      await s.save(null, [ent(11, 4), ent(12, 4)]);
      assert.deepStrictEqual(s.entries(11, 13, Infinity), [ent(11, 4), ent(12, 4)]);
      await s.close();
    });

    it('install keeps the entries after a matching snapshot and drops a conflicting log', async () => {
      const f = await make();
      await f.storage.save(hs(2, 4), [...ents(1, 5, 1), ...ents(6, 10, 2)]);
      await f.storage.installSnapshot(snap(6, 2));
      assert.equal(f.storage.firstIndex(), 7);
      assert.deepStrictEqual(f.storage.entries(7, 11, Infinity), ents(7, 10, 2));
      assert.equal(f.storage.initialState().hardState.commit, 6);
      await f.storage.installSnapshot(snap(8, 3));
      let s = await f.reopen();
      assert.equal(s.firstIndex(), 9);
      assert.equal(s.lastIndex(), 8);
      assert.equal(s.term(8), 3);
      await assert.rejects(s.installSnapshot(snap(8, 3)), /out of date/);
      await assert.rejects(s.installSnapshot(snap(5, 3)), /out of date/);
      await s.close();
      s = await f.reopen();
      assert.equal(s.snapshot().meta.index, 8);
      await s.close();
    });

    it('createSnapshot compacts the log, keeping entries behind the snapshot', async () => {
      const f = await make();
      await f.storage.save(hs(2, 18), [...ents(1, 10, 1), ...ents(11, 20, 2)]);
      await assert.rejects(
        f.storage.createSnapshot(19, { voters: ['n1'], learners: [] }, new Uint8Array(1), 0),
        /commit/,
      );
      const taken = await f.storage.createSnapshot(
        15,
        { voters: ['n1'], learners: [] },
        new Uint8Array([1, 2]),
        5,
      );
      assert.deepStrictEqual(taken.meta, { index: 15, term: 2, conf: { voters: ['n1'], learners: [] } });
      const check = (s: RaftStorage) => {
        assert.equal(s.firstIndex(), 11);
        assert.equal(s.term(10), 1);
        assert.equal(s.lastIndex(), 20);
        assert.deepStrictEqual(s.entries(11, 21, Infinity), ents(11, 20, 2));
        assert.deepStrictEqual(s.snapshot(), taken);
        assert.deepStrictEqual(s.initialState().conf, { voters: ['n1'], learners: [] });
        assert.throws(() => s.entries(10, 12, Infinity), CompactedError);
        assert.throws(() => s.term(9), CompactedError);
        assert.throws(() => s.entries(19, 22, Infinity), UnavailableError);
        assert.throws(() => s.term(21), UnavailableError);
      };
      check(f.storage);
      const s = await f.reopen();
      check(s);
      await assert.rejects(
        s.createSnapshot(15, { voters: [], learners: [] }, new Uint8Array(0), 0),
        /out of date/,
      );
      await s.createSnapshot(18, { voters: ['n2'], learners: [] }, new Uint8Array([3]), 0);
      assert.equal(s.firstIndex(), 19);
      assert.equal(s.term(18), 2);
      await s.close();
      const t = await f.reopen();
      assert.equal(t.firstIndex(), 19);
      assert.deepStrictEqual(t.snapshot().data, new Uint8Array([3]));
      await t.close();
    });

    it('ignores saved entries at or below the compaction point', async () => {
      const f = await make();
      await f.storage.save(hs(1, 10), ents(1, 10, 1));
      await f.storage.createSnapshot(8, { voters: ['n1'], learners: [] }, new Uint8Array(0), 0);
      await f.storage.save(null, ents(5, 8, 1)); // a duplicate append: must not truncate 9..10
      assert.equal(f.storage.lastIndex(), 10);
      await f.storage.save(null, [...ents(7, 8, 1), ...ents(9, 11, 2)]);
      const s = await f.reopen();
      assert.deepStrictEqual(s.entries(9, 12, Infinity), ents(9, 11, 2));
      await s.close();
    });

    it('refuses writes after close', async () => {
      const { storage: s } = await make();
      await s.close();
      await assert.rejects(s.save(hs(1, 0), []), /closed/);
    });

    it('random operation sequences match the reference model across reopens', async () => {
      await randomOpsMatchModel(make, opts.modelRuns ?? 100);
    });
  });
}
