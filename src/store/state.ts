/**
 * StoreState: the replicated state itself (the seven tables, the index of the last
 * entry applied, the last timestamp used) and the three things a Raft state machine
 * does with it: apply an entry, snapshot, restore.
 *
 * Snapshot format (JSON, one table at a time so no single string holds everything):
 *   {"v":1,"index":N,"lastTs":ms,"tables":{"clusters":[...],"nodes":[...],...}}
 * Objects are listed in each table's insertion order, which a restore preserves and every
 * member applying the same log shares, so their snapshots are byte-identical.
 */

import type { Meta } from '../api/meta.ts';
import type { Logger } from '../base/logger.ts';
import { type ApplyContext, applyTx } from './apply.ts';
import { decodeEntry } from './entry.ts';
import { RuleError } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import { TableData } from './table-data.ts';
import { tableDef } from './tables/index.ts';
import { type EntryResult, type StoreEvent, TABLE_NAMES, type TableName, type TxResult } from './types.ts';

const SNAPSHOT_VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder();

export type Tables = Map<TableName, TableData<Meta>>;

export function emptyTables(): Tables {
  return new Map(TABLE_NAMES.map((n) => [n, new TableData(tableDef(n))]));
}

export class StoreState {
  tables: Tables = emptyTables();
  /** Raft index of the last store entry applied. */
  index = 0;
  /** The last entry timestamp used (ms): timestamps never go backward. */
  lastTs = 0;

  constructor(
    private readonly freeze: boolean,
    private readonly log: Logger,
  ) {}

  table(name: TableName): TableData<Meta> {
    return this.tables.get(name) as TableData<Meta>;
  }

  /** Applies one entry; returns its result and the events of the transactions that applied. */
  apply(data: Uint8Array, index: number): { result: EntryResult; events: StoreEvent[] } {
    const events: StoreEvent[] = [];
    let entry: ReturnType<typeof decodeEntry>;
    try {
      entry = decodeEntry(data);
    } catch (e) {
      this.log.error({ index, err: (e as Error).message }, 'store: entry is not a store entry; skipped');
      this.index = index;
      const error = new RuleError('corrupt', `store entry ${index} could not be decoded`);
      return { result: { index, results: [], error }, events };
    }
    const t =
      typeof entry.t === 'number' && Number.isFinite(entry.t) ? Math.max(entry.t, this.lastTs) : this.lastTs;
    this.lastTs = t;
    const ctx: ApplyContext = {
      table: (n) => this.table(n),
      index,
      ts: new Date(t).toISOString(),
      chunk: typeof entry.k === 'number' ? entry.k : undefined,
      refs: typeof entry.r === 'object' && entry.r !== null ? entry.r : undefined,
      freeze: this.freeze,
    };
    const results: TxResult[] = [];
    for (const tx of entry.x) {
      const r = applyTx(ctx, tx, events);
      if (!r.ok && r.error.code === 'corrupt') {
        this.log.error({ index, err: r.error.message }, 'store: malformed transaction skipped');
      }
      results.push(r);
    }
    this.index = index;
    return { result: { index, results }, events };
  }

  snapshot(): Uint8Array {
    const parts: Uint8Array[] = [
      enc.encode(`{"v":${SNAPSHOT_VERSION},"index":${this.index},"lastTs":${this.lastTs},"tables":{`),
    ];
    TABLE_NAMES.forEach((name, i) => {
      const objs = this.table(name).all();
      parts.push(enc.encode(`${i > 0 ? ',' : ''}"${name}":${JSON.stringify(objs)}`));
    });
    parts.push(enc.encode('}}'));
    let size = 0;
    for (const p of parts) size += p.length;
    const out = new Uint8Array(size);
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }

  /** Replaces the state with a snapshot's; returns the tables it replaced. */
  restore(data: Uint8Array): Tables {
    const old = this.tables;
    const next = emptyTables();
    if (data.byteLength === 0) {
      this.tables = next;
      this.index = 0;
      this.lastTs = 0;
      return old;
    }
    const s = JSON.parse(dec.decode(data)) as {
      v: number;
      index: number;
      lastTs: number;
      tables: Partial<Record<TableName, Meta[]>>;
    };
    if (s.v !== SNAPSHOT_VERSION) throw new Error(`store snapshot: unknown version ${s.v}`);
    for (const name of TABLE_NAMES) {
      const td = next.get(name) as TableData<Meta>;
      for (const o of s.tables[name] ?? []) td.put(this.freeze ? deepFreeze(o) : o);
    }
    this.tables = next;
    this.index = s.index;
    this.lastTs = s.lastTs;
    return old;
  }
}

/**
 * The events that turn `old` into `next`: creates, updates (a different version) and
 * deletes, stamped with `index`. Watchers of a member that installs a snapshot see it as
 * the changes they missed.
 */
export function diffTables(old: Tables, next: Tables, index: number): StoreEvent[] {
  const events: StoreEvent[] = [];
  for (const name of TABLE_NAMES) {
    const a = old.get(name) as TableData<Meta>;
    const b = next.get(name) as TableData<Meta>;
    for (const [id, o] of b.byId) {
      const prev = a.byId.get(id);
      if (!prev) events.push({ kind: 'create', table: name, object: o, index } as StoreEvent);
      else if (prev.Version.Index !== o.Version.Index) {
        events.push({ kind: 'update', table: name, object: o, old: prev, index } as StoreEvent);
      }
    }
    for (const [id, o] of a.byId) {
      if (!b.byId.has(id)) events.push({ kind: 'delete', table: name, object: o, index } as StoreEvent);
    }
  }
  return events;
}
