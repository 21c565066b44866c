import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStorage } from './memory.ts';
import { ent, ents, storageContract } from './storage.contract.ts';

storageContract(
  'MemoryStorage',
  async () => {
    let current = new MemoryStorage();
    return {
      storage: current,
      async reopen() {
        await current.close();
        current = MemoryStorage.restore(current.crashImage());
        return current;
      },
    };
  },
  { modelRuns: 300 },
);

/** A disk the test completes by hand: completions[i] makes write i durable. */
function manualDisk() {
  const completions: (() => void)[] = [];
  return { completions, disk: (complete: () => void) => void completions.push(complete) };
}

describe('MemoryStorage crash model', () => {
  it('reads see a write at once; a crash keeps only what the disk completed', async () => {
    const d = manualDisk();
    const s = new MemoryStorage({ disk: d.disk });
    let durable = false;
    const p = s.save({ term: 1, vote: 'a', commit: 0 }, ents(1, 3, 1)).then(() => {
      durable = true;
    });
    assert.equal(s.lastIndex(), 3);
    assert.equal(s.pendingWrites, 1);
    await Promise.resolve();
    assert.equal(durable, false);
    const lost = MemoryStorage.restore(s.crashImage());
    assert.equal(lost.lastIndex(), 0);
    assert.deepStrictEqual(lost.initialState().hardState, { term: 0, vote: '', commit: 0 });
    d.completions[0]!();
    await p;
    assert.equal(durable, true);
    assert.equal(MemoryStorage.restore(s.crashImage()).lastIndex(), 3);
  });

  it('writes become durable in order: a write completed early waits for the earlier ones', async () => {
    const d = manualDisk();
    const s = new MemoryStorage({ disk: d.disk });
    const order: number[] = [];
    const p1 = s.save(null, ents(1, 2, 1)).then(() => order.push(1));
    const p2 = s.save({ term: 2, vote: '', commit: 1 }, ents(3, 4, 2)).then(() => order.push(2));
    d.completions[1]!();
    await new Promise((r) => setImmediate(r));
    assert.deepStrictEqual(order, []);
    assert.equal(MemoryStorage.restore(s.crashImage()).lastIndex(), 0);
    d.completions[0]!();
    d.completions[0]!(); // extra calls are ignored
    await Promise.all([p1, p2]);
    assert.deepStrictEqual(order, [1, 2]);
    const image = s.crashImage();
    assert.equal(image.entries.length, 4);
    assert.deepStrictEqual(image.hardState, { term: 2, vote: '', commit: 1 });
  });

  it('a torn write keeps a prefix of the oldest pending save, never its hard state', async () => {
    const d = manualDisk();
    const s = new MemoryStorage({ disk: d.disk });
    void s.save({ term: 1, vote: 'a', commit: 0 }, ents(1, 5, 1));
    void s.save(null, ents(6, 6, 1));
    const torn = MemoryStorage.restore(s.crashImage(2));
    assert.deepStrictEqual(torn.entries(1, 3, Infinity), ents(1, 2, 1));
    assert.equal(torn.lastIndex(), 2);
    assert.deepStrictEqual(torn.initialState().hardState, { term: 0, vote: '', commit: 0 });
    assert.equal(MemoryStorage.restore(s.crashImage(99)).lastIndex(), 5);
  });

  it('a torn prefix applies over the durable log, replacing its suffix', async () => {
    const d = manualDisk();
    const s = new MemoryStorage({ disk: d.disk });
    void s.save(null, ents(1, 5, 1));
    d.completions[0]!();
    void s.save(null, ents(3, 6, 2));
    const torn = MemoryStorage.restore(s.crashImage(1));
    assert.deepStrictEqual(torn.entries(1, 4, Infinity), [ent(1, 1), ent(2, 1), ent(3, 2)]);
  });

  it('a pending snapshot is not torn: it survives whole or not at all', async () => {
    const d = manualDisk();
    const s = new MemoryStorage({ disk: d.disk });
    void s.save({ term: 1, vote: '', commit: 4 }, ents(1, 4, 1));
    d.completions[0]!();
    void s.createSnapshot(3, { voters: ['a'], learners: [] }, new Uint8Array([9]), 0);
    assert.equal(s.firstIndex(), 4);
    const crashed = MemoryStorage.restore(s.crashImage(3));
    assert.equal(crashed.firstIndex(), 1);
    assert.equal(crashed.snapshot().meta.index, 0);
    d.completions[1]!();
    await new Promise((r) => setImmediate(r));
    assert.equal(MemoryStorage.restore(s.crashImage()).snapshot().meta.index, 3);
  });

  it('the crash image is a deep, structured-clonable copy', async () => {
    const s = new MemoryStorage();
    await s.save({ term: 1, vote: 'a', commit: 0 }, ents(1, 2, 1));
    const image = s.crashImage();
    assert.deepStrictEqual(structuredClone(image), image);
    image.entries[0]!.data.fill(0xee);
    assert.deepStrictEqual(s.entries(1, 2, Infinity), [ent(1, 1)]);
  });
});
