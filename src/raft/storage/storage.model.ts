/**
 * A deliberately naive reference model of RaftStorage (plain arrays, no shared code with
 * log.ts or state.ts) and a fast-check property that runs random operation sequences,
 * with reopens in between, against both and compares everything observable after each
 * step. Invalid operations are generated on purpose: both sides must refuse them.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConfState, Entry, HardState, Snapshot } from '../core/types.ts';
import type { StorageFixture } from './storage.contract.ts';
import type { RaftStorage } from './storage.ts';

class Model {
  hs: HardState = { term: 0, vote: '', commit: 0 };
  snap: Snapshot = {
    meta: { index: 0, term: 0, conf: { voters: [], learners: [] } },
    data: new Uint8Array(0),
  };
  compact = { index: 0, term: 0 };
  log: Entry[] = [];

  last(): number {
    return this.compact.index + this.log.length;
  }

  termAt(i: number): number {
    if (i < this.compact.index || i > this.last()) throw new Error(`no term for ${i}`);
    return i === this.compact.index ? this.compact.term : this.log[i - this.compact.index - 1]!.term;
  }

  save(hs: HardState | null, es: Entry[]): void {
    const kept = es.filter((e) => e.index > this.compact.index);
    if (kept.length > 0) {
      if (kept[0]!.index > this.last() + 1) throw new Error('gap');
      this.log = [...this.log.slice(0, kept[0]!.index - this.compact.index - 1), ...kept];
    }
    if (hs) this.hs = { ...hs };
  }

  install(s: Snapshot): void {
    const { index, term } = s.meta;
    if (index <= this.snap.meta.index) throw new Error('out of date');
    const matches = index >= this.compact.index && index <= this.last() && this.termAt(index) === term;
    this.log = matches ? this.log.slice(index - this.compact.index) : [];
    this.compact = { index, term };
    this.snap = s;
    if (this.hs.commit < index) this.hs = { ...this.hs, commit: index };
  }

  create(index: number, conf: ConfState, data: Uint8Array, keep: number): Snapshot {
    if (index <= this.snap.meta.index || index > this.hs.commit || index > this.last())
      throw new Error('refused');
    const c = Math.max(this.compact.index, index - keep);
    const ct = this.termAt(c);
    this.snap = { meta: { index, term: this.termAt(index), conf }, data };
    this.log = this.log.slice(c - this.compact.index);
    this.compact = { index: c, term: ct };
    return this.snap;
  }

  observe() {
    const terms: number[] = [];
    for (let i = this.compact.index; i <= this.last(); i++) terms.push(this.termAt(i));
    return {
      first: this.compact.index + 1,
      last: this.last(),
      terms,
      entries: this.log,
      init: { hardState: this.hs, conf: this.snap.meta.conf },
      snap: this.snap,
    };
  }
}

/** Every observable property of a storage, for comparing it with the model or a reopen. */
export function observe(s: RaftStorage) {
  const first = s.firstIndex();
  const last = s.lastIndex();
  const terms: number[] = [];
  for (let i = first - 1; i <= last; i++) terms.push(s.term(i));
  return {
    first,
    last,
    terms,
    entries: s.entries(first, last + 1, Infinity),
    init: s.initialState(),
    snap: s.snapshot(),
  };
}

type Kind = 'save' | 'install' | 'create' | 'reopen';
const step = fc.record(
  {
    kind: fc.constantFrom<Kind>('save', 'save', 'save', 'install', 'create', 'reopen'),
    a: fc.nat(1000),
    b: fc.nat(1000),
    c: fc.nat(1000),
  },
  { noNullPrototype: true },
);

/** Both must succeed with equal results, or both must fail. */
async function both<T>(model: () => T, real: () => Promise<T>): Promise<void> {
  let want: { ok: T } | { err: unknown };
  try {
    want = { ok: model() };
  } catch (err) {
    want = { err };
  }
  if ('ok' in want) assert.deepStrictEqual(await real(), want.ok);
  else
    await assert.rejects(real(), `the model refused (${(want.err as Error).message}), the storage did not`);
}

export async function randomOpsMatchModel(make: () => Promise<StorageFixture>, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
      const f = await make();
      let s = f.storage;
      const m = new Model();
      for (const { kind, a, b, c } of steps) {
        const last = m.last();
        const ci = m.compact.index;
        if (kind === 'save') {
          let from = ci + 1 + (a % (last - ci + 1 + 1));
          if (c % 11 === 0) from = last + 2; // a gap: refused
          if (c % 7 === 0) from = Math.max(1, ci - (a % 3)); // starts at or below the compaction point
          const es: Entry[] = [];
          for (let i = 0; i < b % 5; i++) {
            es.push({
              index: from + i,
              term: 1 + ((c + i) % 4),
              type: 'normal',
              data: new Uint8Array(a % 9),
            });
          }
          const newLast = es.length > 0 && es.at(-1)!.index > ci ? es.at(-1)!.index : last;
          const hs: HardState | null =
            c % 3 === 0
              ? null
              : { term: m.hs.term + (a % 2), vote: `n${b % 3}`, commit: Math.min(newLast, b) };
          if (hs && hs.commit < m.hs.commit) hs.commit = m.hs.commit;
          await both(
            () => m.save(hs, es),
            () => s.save(hs, es),
          );
        } else if (kind === 'install') {
          const index =
            c % 9 === 0 ? m.snap.meta.index : m.snap.meta.index + 1 + (a % (last - m.snap.meta.index + 4));
          const term = index <= last && index >= ci && b % 2 === 0 ? m.termAt(index) : 1 + (b % 5);
          const snap = {
            meta: { index, term, conf: { voters: [`v${a % 5}`], learners: [] } },
            data: new Uint8Array([a & 0xff, b & 0xff]),
          };
          await both(
            () => m.install(snap),
            () => s.installSnapshot(snap),
          );
        } else if (kind === 'create') {
          const index = m.snap.meta.index + 1 + (a % Math.max(1, m.hs.commit - m.snap.meta.index + 1));
          const conf = { voters: [`v${b % 5}`, 'w'], learners: [`l${c % 2}`] };
          const data = new Uint8Array([c & 0xff]);
          await both(
            () => m.create(index, conf, data, b % 4),
            () => s.createSnapshot(index, conf, data, b % 4),
          );
        } else {
          s = await f.reopen();
        }
        assert.deepStrictEqual(observe(s), m.observe());
      }
      s = await f.reopen();
      assert.deepStrictEqual(observe(s), m.observe());
      await s.close();
    }),
    { numRuns: runs },
  );
}
