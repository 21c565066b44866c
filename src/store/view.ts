/**
 * TableView: what a transaction offers for one table. Reads are the same for the store
 * (`view`) and for a transaction's overlay (`update`, `batch`); writes go to the
 * transaction's writer. tables/*.ts extend it with each table's own queries
 * (`tasks.byService`, `nodes.byRole`, ...).
 *
 * Objects are returned as stored, without copying: they are DeepReadonly, and a writer
 * replaces a whole object (`update(t, {DesiredState: 'shutdown'})`, or
 * `update({...t, DesiredState: 'shutdown'})`) instead of changing it. A transaction object is usable only inside its callback.
 */

import type { Meta } from '../api/meta.ts';
import { ShoalError } from '../base/errors.ts';
import { AmbiguousError, NotFoundError } from './errors.ts';
import type { TableSource } from './table-data.ts';
import { labelKey, type TableDef } from './table-def.ts';
import type { NewObject, Stored, TableName } from './types.ts';

/** Docker's resolution of a reference: an object, or why there is none. */
export type Lookup<T> =
  | { ok: true; object: Stored<T> }
  | { ok: false; error: NotFoundError | AmbiguousError };

/** Where a transaction reads: the store's tables, or an overlay over them. */
export interface TxSources {
  table(name: TableName): TableSource<Meta>;
}

/** One transaction's state, shared by its views; closed when its callback returns. */
export class TxContext {
  closed = false;
  constructor(
    readonly sources: TxSources,
    readonly writer: TxWriter | undefined,
    readonly index: number,
  ) {}
}

export interface TxWriter {
  create(def: TableDef<Meta>, o: Meta): void;
  update(def: TableDef<Meta>, o: Meta, changes?: object): void;
  delete(def: TableDef<Meta>, id: string): void;
}

export interface TableReads<T> {
  get(id: string): Stored<T> | undefined;
  has(id: string): boolean;
  /** Every object (no particular order). */
  all(): Stored<T>[];
  count(): number;
  byIdPrefix(prefix: string): Stored<T>[];
  /** Objects with label `key` (any value), or with `key=value`. */
  byLabel(key: string, value?: string): Stored<T>[];
  /** Full id, then exact name (named tables), then unique id prefix; as Docker resolves. */
  lookup(ref: string): Lookup<T>;
}

export interface TableWrites<T extends Meta> {
  /** Stamps Version, CreatedAt and UpdatedAt at apply time. */
  create(o: NewObject<T>): void;
  /**
   * Replaces the object with `o`, or with `o` and `changes` merged over it (a shallow
   * merge, and faster than a spread). `o.Version` must be the version it was read at, or
   * the update is a conflict.
   */
  update(o: Stored<T>, changes?: Partial<Stored<T>>): void;
  delete(id: string): void;
}

export function asStored<T>(o: T): Stored<T> {
  return o as unknown as Stored<T>;
}

export class TableView<T extends Meta> implements TableReads<T>, TableWrites<T> {
  constructor(
    protected readonly def: TableDef<T>,
    protected readonly ctx: TxContext,
  ) {}

  protected get src(): TableSource<T> {
    if (this.ctx.closed)
      throw new ShoalError('failed_precondition', 'store: transaction used after it ended');
    return this.ctx.sources.table(this.def.name) as unknown as TableSource<T>;
  }

  get(id: string): Stored<T> | undefined {
    return this.src.get(id) as Stored<T> | undefined;
  }

  has(id: string): boolean {
    return this.src.get(id) !== undefined;
  }

  all(): Stored<T>[] {
    return this.src.all() as Stored<T>[];
  }

  count(): number {
    return this.src.count();
  }

  byIdPrefix(prefix: string): Stored<T>[] {
    return this.src.byIdPrefix(prefix) as Stored<T>[];
  }

  byLabel(key: string, value?: string): Stored<T>[] {
    return this.find('label', labelKey(key, value));
  }

  lookup(ref: string): Lookup<T> {
    const src = this.src;
    const byId = src.get(ref);
    if (byId) return { ok: true, object: asStored(byId) };
    if (ref === '') return { ok: false, error: new NotFoundError(this.def.kind, ref) };
    const names = this.def.names;
    if (names) {
      const named = src.find('name', ref.toLowerCase()).filter((o) => names(o).includes(ref));
      if (named.length === 1) return { ok: true, object: asStored(named[0] as T) };
      if (named.length > 1) return { ok: false, error: new AmbiguousError(this.def.kind, ref, named.length) };
    }
    const prefixed = src.byIdPrefix(ref);
    if (prefixed.length === 1) return { ok: true, object: asStored(prefixed[0] as T) };
    if (prefixed.length > 1)
      return { ok: false, error: new AmbiguousError(this.def.kind, ref, prefixed.length) };
    return { ok: false, error: new NotFoundError(this.def.kind, ref) };
  }

  create(o: NewObject<T>): void {
    this.writer().create(this.def as unknown as TableDef<Meta>, o as unknown as Meta);
  }

  update(o: Stored<T>, changes?: Partial<Stored<T>>): void {
    this.writer().update(this.def as unknown as TableDef<Meta>, o as unknown as Meta, changes);
  }

  delete(id: string): void {
    this.writer().delete(this.def as unknown as TableDef<Meta>, id);
  }

  protected find(index: string, key: string): Stored<T>[] {
    return this.src.find(index, key) as Stored<T>[];
  }

  /** The single object with `key` (unique indexes). */
  protected findOne(index: string, key: string): Stored<T> | undefined {
    return this.src.find(index, key)[0] as Stored<T> | undefined;
  }

  private writer(): TxWriter {
    if (this.ctx.closed)
      throw new ShoalError('failed_precondition', 'store: transaction used after it ended');
    const w = this.ctx.writer;
    if (!w) throw new ShoalError('failed_precondition', 'store: a read transaction cannot write');
    return w;
  }
}
