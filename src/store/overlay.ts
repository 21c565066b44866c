/**
 * Overlay: a transaction's private layer over the store, so reads inside the transaction
 * see its own writes while the store itself is untouched until the entry is applied.
 *
 *   reads:   own writes (indexed like the store) ─┐
 *            minus ids written or deleted here    ├─> what the transaction sees
 *            store (parent) ──────────────────────┘
 *
 * Each table gets a layer on its first write; untouched tables read the store directly.
 * mark()/rollback() undo the writes since a mark: a batch runs many small transactions
 * on one overlay, and one that throws leaves no trace.
 */
import type { Meta } from '../api/meta.ts';
import { TableData, type TableSource } from './table-data.ts';
import type { TableDef } from './table-def.ts';
import type { TableName } from './types.ts';
import type { TxSources } from './view.ts';

export class OverlayTable<T extends Meta> implements TableSource<T> {
  readonly own: TableData<T>;
  /** Ids deleted in this overlay (they may exist in the parent). */
  readonly deleted = new Set<string>();
  /** Objects visible here minus objects visible in the parent (kept by Overlay). */
  delta = 0;

  constructor(
    readonly parent: TableSource<T>,
    def: TableDef<T>,
  ) {
    this.own = new TableData(def, true);
  }

  private shadows(id: string): boolean {
    return this.deleted.has(id) || this.own.byId.has(id);
  }

  private visible(base: T[]): T[] {
    if (this.deleted.size === 0 && this.own.byId.size === 0) return base;
    return base.filter((o) => !this.shadows(o.ID));
  }

  get(id: string): T | undefined {
    if (this.deleted.has(id)) return undefined;
    return this.own.get(id) ?? this.parent.get(id);
  }

  all(): T[] {
    return this.visible(this.parent.all()).concat(this.own.all());
  }

  count(): number {
    return this.parent.count() + this.delta;
  }

  find(index: string, key: string): T[] {
    return this.visible(this.parent.find(index, key)).concat(this.own.find(index, key));
  }

  byIdPrefix(prefix: string): T[] {
    return this.visible(this.parent.byIdPrefix(prefix)).concat(this.own.byIdPrefix(prefix));
  }
}

interface Undo {
  table: OverlayTable<Meta>;
  id: string;
  prevOwn: Meta | undefined;
  wasDeleted: boolean;
}

export class Overlay implements TxSources {
  private readonly layers = new Map<TableName, OverlayTable<Meta>>();
  private readonly undo: Undo[] = [];
  private pending = 0;

  constructor(private readonly base: { table(name: TableName): TableData<Meta> }) {}

  /** What reads of `name` go through: the layer if the table was written, else the store. */
  table(name: TableName): TableSource<Meta> {
    return this.layers.get(name) ?? this.base.table(name);
  }

  put(name: TableName, o: Meta): void {
    const layer = this.layer(name);
    const was = layer.get(o.ID) !== undefined;
    this.undo.push({
      table: layer,
      id: o.ID,
      prevOwn: layer.own.get(o.ID),
      wasDeleted: layer.deleted.has(o.ID),
    });
    layer.deleted.delete(o.ID);
    layer.own.put(o);
    if (!was) layer.delta++;
  }

  remove(name: TableName, id: string): void {
    const layer = this.layer(name);
    const was = layer.get(id) !== undefined;
    this.undo.push({ table: layer, id, prevOwn: layer.own.get(id), wasDeleted: layer.deleted.has(id) });
    layer.own.remove(id);
    layer.deleted.add(id);
    if (was) layer.delta--;
  }

  /**
   * A version for an object written here and not yet applied: negative, and distinct per
   * write, so a writer holding an older copy is caught as out of sequence.
   */
  nextPendingVersion(): number {
    return -++this.pending;
  }

  mark(): number {
    return this.undo.length;
  }

  /** Undoes every write since `mark`, newest first. */
  rollback(mark: number): void {
    while (this.undo.length > mark) {
      const u = this.undo.pop() as Undo;
      const was = u.table.get(u.id) !== undefined;
      if (u.prevOwn) u.table.own.put(u.prevOwn);
      else u.table.own.remove(u.id);
      if (u.wasDeleted) u.table.deleted.add(u.id);
      else u.table.deleted.delete(u.id);
      u.table.delta += (u.table.get(u.id) !== undefined ? 1 : 0) - (was ? 1 : 0);
    }
  }

  /** Forgets the undo records (a batch's committed transactions keep their writes). */
  commit(): void {
    this.undo.length = 0;
  }

  private layer(name: TableName): OverlayTable<Meta> {
    let l = this.layers.get(name);
    if (!l) {
      const base = this.base.table(name);
      l = new OverlayTable(base, base.def);
      this.layers.set(name, l);
    }
    return l;
  }
}
