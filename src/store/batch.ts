/**
 * Batch: many small transactions (the scheduler's thousand task assignments, an
 * orchestrator's replicas) grouped into few Raft entries. Each small transaction runs at
 * once against one shared overlay, so it sees the batch's earlier writes; one that throws
 * a ShoalError is rolled back and reported, and the batch goes on. At apply time each
 * succeeds or fails alone.
 *
 *   b.update(fn) ──> overlay + TxRecorder ──> JSON ──> chunk 0 | chunk 1 | ... (<= maxActions
 *                                                       actions, <= maxBytes bytes each)
 *   propose chunk 0, chunk 1, ... in order: one entry each, pipelined
 *
 * A transaction that updates an object written by an earlier transaction of the batch
 * cannot know that write's version yet: it names the chunk ("c<j>", see entry.ts). When
 * the chunk is its own, the version is the entry's own index; when it is an earlier one,
 * that chunk's index is filled in before proposing, so a chunk with such references
 * waits for those chunks to apply (and the chunks after it wait their turn: entries
 * reach the log in batch order). A chunk whose dependency failed fails with it.
 */

import type { Meta } from '../api/meta.ts';
import { ShoalError } from '../base/errors.ts';
import { assembleEntry, chunkRef, EntryBuilder } from './entry.ts';
import { isExpectedFailure } from './errors.ts';
import { Overlay } from './overlay.ts';
import type { Proposer } from './proposer.ts';
import type { TableData } from './table-data.ts';
import { Tx, type WriteTx } from './tables/index.ts';
import { TxRecorder } from './tx.ts';
import { type BatchResult, isEntryResult, type TableName } from './types.ts';
import { TxContext } from './view.ts';

export interface Batch {
  /** Runs `fn` now as one small transaction; returns its number (BatchResult.failed[].tx). */
  update(fn: (tx: WriteTx) => unknown): number;
}

export interface BatchLimits {
  maxActions: number;
  maxBytes: number;
}

interface Chunk {
  no: number;
  /** The transactions' bytes once the chunk is closed. */
  body: Uint8Array | undefined;
  actions: number;
  txs: number[];
  deps: Set<number>;
}

export function isThenable(v: unknown): boolean {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

export function asShoalError(e: unknown): ShoalError {
  if (e instanceof ShoalError) return e;
  return new ShoalError('internal', `store: proposal failed: ${(e as Error)?.message ?? String(e)}`, {
    cause: e,
  });
}

export class BatchBuilder implements Batch {
  private readonly overlay: Overlay;
  private readonly chunks: Chunk[] = [];
  /** The open chunk's bytes; one buffer, reused from chunk to chunk. */
  private readonly open = new EntryBuilder(64 * 1024);
  /** Pending version of each object written -> the chunk that writes it. */
  private readonly writtenIn = new Map<number, number>();
  private readonly failed: BatchResult['failed'] = [];
  private txCount = 0;
  private empty = 0;

  constructor(
    base: { table(name: TableName): TableData<Meta> },
    private readonly index: number,
    private readonly limits: BatchLimits,
  ) {
    this.overlay = new Overlay(base);
  }

  update(fn: (tx: WriteTx) => unknown): number {
    const n = this.txCount++;
    const mark = this.overlay.mark();
    const rec = new TxRecorder(this.overlay);
    const ctx = new TxContext(this.overlay, rec, this.index);
    try {
      const r = fn(new Tx(ctx));
      if (isThenable(r)) throw new TypeError('store: batch callbacks must be synchronous');
    } catch (e) {
      this.overlay.rollback(mark);
      if (!isExpectedFailure(e)) throw e;
      this.failed.push({ tx: n, error: e });
      return n;
    } finally {
      ctx.closed = true;
    }
    this.overlay.commit();
    if (rec.size === 0) {
      this.empty++;
      return n;
    }
    let refs: number[] | undefined;
    const wire = rec.toWire((pending) => {
      const c = this.writtenIn.get(pending);
      if (c === undefined) throw new Error(`store: batch lost track of pending version ${pending}`);
      if (refs) refs.push(c);
      else refs = [c];
      return chunkRef(c);
    });
    const chunk = this.place(JSON.stringify(wire), wire.length);
    chunk.txs.push(n);
    if (refs) for (const r of refs) if (r !== chunk.no) chunk.deps.add(r);
    rec.eachWritten((o) => this.writtenIn.set(o.Version.Index, chunk.no));
    return n;
  }

  private place(json: string, actions: number): Chunk {
    const last = this.chunks[this.chunks.length - 1];
    if (last && this.open.actions + actions <= this.limits.maxActions) {
      const bytes = this.open.append(json, actions);
      if (this.open.bytes <= this.limits.maxBytes || this.open.txs === 1) {
        last.actions += actions;
        return last;
      }
      this.open.undo(bytes, actions);
    }
    this.close();
    const c: Chunk = { no: this.chunks.length, body: undefined, actions, txs: [], deps: new Set() };
    this.chunks.push(c);
    this.open.append(json, actions);
    return c;
  }

  /** Seals the open chunk: its bytes move out of the shared buffer. */
  private close(): void {
    const last = this.chunks[this.chunks.length - 1];
    if (last && !last.body) last.body = this.open.take();
  }

  /** Proposes the chunks in order; resolves when every one has settled. */
  async propose(proposer: Proposer, now: () => number): Promise<BatchResult> {
    this.close();
    const indexOf = new Map<number, Promise<number>>();
    let applied = this.empty;
    let proposed = 0;
    const failAll = (c: Chunk, error: ShoalError): void => {
      for (const tx of c.txs) this.failed.push({ tx, error });
    };
    for (const c of this.chunks) {
      let refs: Record<string, number> | undefined;
      if (c.deps.size > 0) {
        const deps = [...c.deps];
        const got = await Promise.allSettled(deps.map((d) => indexOf.get(d) as Promise<number>));
        const bad = got.find((g): g is PromiseRejectedResult => g.status === 'rejected');
        if (bad) {
          failAll(c, asShoalError(bad.reason));
          indexOf.set(c.no, Promise.reject(bad.reason));
          indexOf.get(c.no)?.catch(() => undefined);
          continue;
        }
        refs = {};
        deps.forEach((d, i) => {
          (refs as Record<string, number>)[String(d)] = (got[i] as PromiseFulfilledResult<number>).value;
        });
      }
      const bytes = assembleEntry({ t: now(), k: c.no, ...(refs && { r: refs }) }, c.body as Uint8Array);
      proposed++;
      const done = proposer
        .propose(bytes)
        .then((res) => {
          if (!isEntryResult(res))
            throw new ShoalError('internal', 'store: proposer returned no entry result');
          if (res.error) throw res.error;
          c.txs.forEach((tx, i) => {
            const r = res.results[i];
            if (r?.ok) applied++;
            else
              this.failed.push({ tx, error: r ? r.error : new ShoalError('internal', 'store: no result') });
          });
          return res.index;
        })
        .catch((e: unknown) => {
          failAll(c, asShoalError(e));
          throw e;
        });
      done.catch(() => undefined);
      indexOf.set(c.no, done);
    }
    await Promise.allSettled(indexOf.values());
    this.failed.sort((a, b) => a.tx - b.tx);
    return { applied, failed: this.failed, entries: proposed };
  }
}
