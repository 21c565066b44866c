/**
 * Applying one entry: the deterministic heart of the store. Every member runs this on
 * the same entries in the same order and must reach the same state, so it reads nothing
 * but the entry and the state: the version stamped is the entry's Raft index, the time
 * is the proposer's (kept monotonic), and every check is repeated here whatever the
 * proposer already checked.
 *
 * Each transaction applies atomically and alone: its actions are applied in order with
 * an undo log; the first failure (missing object, stale version, broken rule, a name
 * that ends up held twice) rolls it back and becomes its result. A malformed transaction
 * is a failed transaction, never an exception: one bad entry must not stop every manager.
 */

import type { Meta } from '../api/meta.ts';
import { ShoalError } from '../base/errors.ts';
import { parseChunkRef } from './entry.ts';
import { AlreadyExistsError, NotFoundError, RuleError, SequenceConflictError } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import type { TableData } from './table-data.ts';
import { foldName } from './table-def.ts';
import { isTableName, type StoreEvent, type TableName, type TxResult } from './types.ts';

export interface ApplyContext {
  table(name: TableName): TableData<Meta>;
  /** The entry's Raft index: every object written gets Version.Index = index. */
  index: number;
  /** The entry's timestamp, RFC 3339. */
  ts: string;
  /** This entry's chunk number within its batch, and earlier chunks' indexes. */
  chunk: number | undefined;
  refs: Record<string, number> | undefined;
  freeze: boolean;
}

interface Undo {
  td: TableData<Meta>;
  id: string;
  prev: Meta | undefined;
}

function malformed(what: string): ShoalError {
  return new RuleError('corrupt', `store entry: malformed transaction (${what})`);
}

function isObject(v: unknown): v is Meta {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveExpect(ctx: ApplyContext, e: unknown): number | null | ShoalError {
  if (e === null || e === undefined) return null;
  if (typeof e === 'number') return e;
  if (typeof e !== 'string') return malformed('version');
  const chunk = parseChunkRef(e);
  if (chunk === undefined) return malformed(`version ${e}`);
  if (chunk === ctx.chunk) return ctx.index;
  const idx = ctx.refs?.[String(chunk)];
  return typeof idx === 'number' ? idx : malformed(`unresolved version ${e}`);
}

/** Applies one transaction; on success appends its events to `events`. */
export function applyTx(ctx: ApplyContext, tx: unknown, events: StoreEvent[]): TxResult {
  if (!Array.isArray(tx)) return { ok: false, error: malformed('not a list') };
  const undo: Undo[] = [];
  const mine: StoreEvent[] = [];
  const error = applyActions(ctx, tx, undo, mine) ?? checkNames(undo);
  if (error) {
    for (let i = undo.length - 1; i >= 0; i--) {
      const u = undo[i] as Undo;
      if (u.prev) u.td.put(u.prev);
      else u.td.remove(u.id);
    }
    return { ok: false, error };
  }
  if (ctx.freeze) for (const e of mine) if (e.kind !== 'delete') deepFreeze(e.object);
  for (const e of mine) events.push(e);
  return { ok: true };
}

function applyActions(
  ctx: ApplyContext,
  tx: unknown[],
  undo: Undo[],
  out: StoreEvent[],
): ShoalError | undefined {
  for (const a of tx) {
    if (!Array.isArray(a) || !isTableName(a[1])) return malformed('action');
    const table = a[1];
    const td = ctx.table(table);
    const def = td.def;
    const op = a[0];
    if (op === 'd') {
      const id = a[2];
      if (typeof id !== 'string') return malformed('delete id');
      const cur = td.remove(id);
      if (!cur) return new NotFoundError(def.kind, id);
      undo.push({ td, id, prev: cur });
      out.push({ kind: 'delete', table, object: cur, index: ctx.index } as StoreEvent);
      continue;
    }
    if (op === 'p') {
      const id = a[2];
      const fields = a[3];
      if (typeof id !== 'string' || id === '' || !isObject(fields)) return malformed('patch');
      const cur = td.get(id);
      if (!cur) return new NotFoundError(def.kind, id);
      const expect = resolveExpect(ctx, a[4]);
      if (expect instanceof ShoalError) return expect;
      if (expect !== null && cur.Version.Index !== expect) {
        return new SequenceConflictError(def.kind, id, expect, cur.Version.Index);
      }
      // Unchanged fields are shared with the previous version: stored objects are immutable.
      const obj: Meta = Object.assign({}, cur, fields);
      obj.ID = id;
      obj.CreatedAt = cur.CreatedAt;
      const err = put(ctx, td, obj, cur, undo, out);
      if (err) return err;
      continue;
    }
    const obj = a[2];
    if (!isObject(obj) || typeof obj.ID !== 'string' || obj.ID === '') return malformed('object');
    const id = obj.ID;
    const cur = td.get(id);
    if (op === 'c') {
      if (cur) return new AlreadyExistsError(def.kind, id);
      obj.CreatedAt = ctx.ts;
    } else if (op === 'u') {
      if (!cur) return new NotFoundError(def.kind, id);
      const expect = resolveExpect(ctx, a[3]);
      if (expect instanceof ShoalError) return expect;
      if (expect !== null && cur.Version.Index !== expect) {
        return new SequenceConflictError(def.kind, id, expect, cur.Version.Index);
      }
      obj.CreatedAt = cur.CreatedAt;
    } else return malformed(`op ${String(op)}`);
    const err = put(ctx, td, obj, cur, undo, out);
    if (err) return err;
  }
  return undefined;
}

/** Stamps `obj` (a create, or an update of `cur`), checks the table rule, stores it. */
function put(
  ctx: ApplyContext,
  td: TableData<Meta>,
  obj: Meta,
  cur: Meta | undefined,
  undo: Undo[],
  out: StoreEvent[],
): ShoalError | undefined {
  obj.Version = { Index: ctx.index };
  obj.UpdatedAt = ctx.ts;
  const err = td.def.check?.(cur, obj);
  if (err) return err;
  td.put(obj);
  undo.push({ td, id: obj.ID, prev: cur });
  const table = td.def.name;
  out.push(
    (cur
      ? { kind: 'update', table, object: obj, old: cur, index: ctx.index }
      : { kind: 'create', table, object: obj, index: ctx.index }) as StoreEvent,
  );
  return undefined;
}

/**
 * Names are checked once the whole transaction is in: a transaction may swap two names,
 * which no order of single writes could do without a moment of clash.
 */
function checkNames(undo: Undo[]): ShoalError | undefined {
  for (const u of undo) {
    const def = u.td.def;
    if (!def.nameConflict || !def.names) continue;
    const now = u.td.get(u.id);
    if (!now) continue;
    for (const name of def.names(now)) {
      if (name !== '' && u.td.countKey('name', foldName(name)) > 1) return def.nameConflict(name);
    }
  }
  return undefined;
}
