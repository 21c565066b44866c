/**
 * TableData: the objects of one table and their indexes, the generic core every table
 * shares. Objects are kept by reference (never copied); indexes hold ids.
 *
 *   byId      Map id -> object                       (creation order)
 *   prefixes  first two characters of the id -> ids  (unique-prefix lookups without a scan)
 *   indexes   index name -> key -> id | Set of ids   (one id is stored inline: most slot and
 *                                                     (service, node) keys hold one task)
 *
 * put() re-indexes only the keys that changed, so a status update touches the state
 * index and nothing else. TableSource is what views read: TableData for the store
 * itself, OverlayTable (overlay.ts) for a transaction's view with its own writes.
 */
import type { Meta } from '../api/meta.ts';
import type { IndexDef, IndexKeys, TableDef } from './table-def.ts';

export interface TableSource<T> {
  get(id: string): T | undefined;
  /** Every object (creation order for TableData). */
  all(): T[];
  count(): number;
  /** Objects with `key` in index `index` (order unspecified). */
  find(index: string, key: string): T[];
  byIdPrefix(prefix: string): T[];
}

const PREFIX_LEN = 2;

/** key -> one id, or several. */
export class IndexMap {
  private readonly m = new Map<string, string | Set<string>>();

  add(key: string, id: string): void {
    const v = this.m.get(key);
    if (v === undefined) this.m.set(key, id);
    else if (typeof v === 'string') {
      if (v !== id) this.m.set(key, new Set([v, id]));
    } else v.add(id);
  }

  delete(key: string, id: string): void {
    const v = this.m.get(key);
    if (v === undefined) return;
    if (typeof v === 'string') {
      if (v === id) this.m.delete(key);
      return;
    }
    v.delete(id);
    if (v.size === 1) this.m.set(key, v.values().next().value as string);
    else if (v.size === 0) this.m.delete(key);
  }

  size(key: string): number {
    const v = this.m.get(key);
    return v === undefined ? 0 : typeof v === 'string' ? 1 : v.size;
  }

  /** The id, or the set of ids, under key (not to be modified). */
  raw(key: string): string | ReadonlySet<string> | undefined {
    return this.m.get(key);
  }

  /** Calls fn for each id under key. */
  each(key: string, fn: (id: string) => void): void {
    const v = this.m.get(key);
    if (v === undefined) return;
    if (typeof v === 'string') fn(v);
    else for (const id of v) fn(id);
  }

  get keyCount(): number {
    return this.m.size;
  }
}

function sameKeys(a: IndexKeys, b: IndexKeys): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addKeys(map: IndexMap, keys: IndexKeys, id: string): void {
  if (keys === undefined) return;
  if (typeof keys === 'string') map.add(keys, id);
  else for (const k of keys) map.add(k, id);
}

function deleteKeys(map: IndexMap, keys: IndexKeys, id: string): void {
  if (keys === undefined) return;
  if (typeof keys === 'string') map.delete(keys, id);
  else for (const k of keys) map.delete(k, id);
}

export class TableData<T extends Meta> implements TableSource<T> {
  readonly byId = new Map<string, T>();
  private readonly prefixes = new Map<string, Set<string>>();
  private readonly indexes = new Map<string, { def: IndexDef<T>; map: IndexMap }>();
  private readonly list: Array<{ def: IndexDef<T>; map: IndexMap }> = [];

  /** False until the first query when built lazily; then maintained on every write. */
  private indexed: boolean;

  /**
   * `lazy`: build the secondary indexes on the first query instead of on every write (a
   * transaction's overlay: a batch of 1,000 task updates by id never queries its own).
   */
  constructor(
    readonly def: TableDef<T>,
    lazy = false,
  ) {
    this.indexed = !lazy;
    for (const ix of def.indexes) {
      const entry = { def: ix, map: new IndexMap() };
      this.indexes.set(ix.name, entry);
      this.list.push(entry);
    }
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  all(): T[] {
    return [...this.byId.values()];
  }

  count(): number {
    return this.byId.size;
  }

  find(index: string, key: string): T[] {
    const v = this.index(index).map.raw(key);
    if (v === undefined) return [];
    if (typeof v === 'string') return [this.byId.get(v) as T];
    const out = new Array<T>(v.size);
    let i = 0;
    for (const id of v) out[i++] = this.byId.get(id) as T;
    return out;
  }

  /** How many objects have `key` in `index`. */
  countKey(index: string, key: string): number {
    return this.index(index).map.size(key);
  }

  byIdPrefix(prefix: string): T[] {
    if (prefix === '') return [];
    const out: T[] = [];
    if (prefix.length >= PREFIX_LEN) {
      const bucket = this.prefixes.get(prefix.slice(0, PREFIX_LEN));
      if (bucket) for (const id of bucket) if (id.startsWith(prefix)) out.push(this.byId.get(id) as T);
      return out;
    }
    for (const [id, o] of this.byId) if (id.startsWith(prefix)) out.push(o);
    return out;
  }

  /** Stores `o` (insert or replace) and returns the object it replaced. */
  put(o: T): T | undefined {
    const id = o.ID;
    const prev = this.byId.get(id);
    this.byId.set(id, o);
    if (!prev) {
      const p = id.slice(0, PREFIX_LEN);
      const bucket = this.prefixes.get(p);
      if (bucket) bucket.add(id);
      else this.prefixes.set(p, new Set([id]));
    }
    if (!this.indexed) return prev;
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const { def, map } = list[i] as { def: IndexDef<T>; map: IndexMap };
      const before = prev ? def.keys(prev) : undefined;
      const after = def.keys(o);
      if (sameKeys(before, after)) continue;
      deleteKeys(map, before, id);
      addKeys(map, after, id);
    }
    return prev;
  }

  /** Removes the object with `id` and returns it. */
  remove(id: string): T | undefined {
    const prev = this.byId.get(id);
    if (!prev) return undefined;
    this.byId.delete(id);
    const p = id.slice(0, PREFIX_LEN);
    const bucket = this.prefixes.get(p);
    bucket?.delete(id);
    if (bucket?.size === 0) this.prefixes.delete(p);
    if (this.indexed) for (const { def, map } of this.list) deleteKeys(map, def.keys(prev), id);
    return prev;
  }

  /** Distinct keys in an index (tests, diagnostics). */
  keyCount(index: string): number {
    return this.index(index).map.keyCount;
  }

  private index(name: string): { def: IndexDef<T>; map: IndexMap } {
    const ix = this.indexes.get(name);
    if (!ix) throw new Error(`store: table ${this.def.name} has no index ${name}`);
    if (!this.indexed) {
      this.indexed = true;
      for (const [id, o] of this.byId) for (const { def, map } of this.list) addKeys(map, def.keys(o), id);
    }
    return ix;
  }
}
