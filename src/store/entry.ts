/**
 * The bytes of one Raft entry written by the store: JSON, one or more transactions.
 *
 *   Entry  = {"v":1, "t":<ms>, "k":<chunk>?, "r":{"<chunk>":<index>}?, "x":[Tx, ...]}
 *   Tx     = [Action, ...]                        applied atomically, alone
 *   Action = ["c", table, object]                 create
 *          | ["u", table, object, Expect]         update, if the stored version is Expect
 *          | ["p", table, id, fields, Expect]     update by patch: the stored object with
 *                                                 `fields` (top-level) merged over it, if
 *                                                 the stored version is Expect
 *          | ["d", table, id]                     delete
 *   Expect = <version index>                      read from the store
 *          | "c<j>"                               written by chunk j of the same batch: "k"
 *                                                 names this entry's chunk (the version is
 *                                                 this entry's index), "r" earlier ones'
 *          | null                                 no check
 *
 * "t" is the proposer's wall clock: every member stamps CreatedAt/UpdatedAt from it, never
 * from its own clock. A patch is what a writer's `update(stored, changes)` becomes: the
 * version check makes the base the same object on every member, so the result is the
 * object the writer saw, at a fraction of the bytes (a task's status change: ~200 bytes
 * instead of the whole ~750-byte task). Transactions are stringified one at a time and encoded straight
 * into a growing buffer (no string concatenation), so a batch knows each entry's exact
 * size as it fills it; see docs/design/store.md for the measured cost.
 */
import type { Meta } from '../api/meta.ts';
import type { TableName } from './types.ts';

export const ENTRY_VERSION = 1;

export type Expect = number | string | null;

export type WireAction =
  | ['c', TableName, Meta]
  | ['u', TableName, Meta, Expect]
  | ['p', TableName, string, object, Expect]
  | ['d', TableName, string];

export interface EntryHeader {
  /** Proposer's wall clock, ms since the epoch. */
  t: number;
  /** This entry's chunk number within its batch. */
  k?: number;
  /** Raft indexes of the batch's earlier chunks that this entry's versions refer to. */
  r?: Record<string, number>;
}

export interface DecodedEntry extends EntryHeader {
  v: number;
  x: unknown[];
}

export function chunkRef(chunk: number): string {
  return `c${chunk}`;
}

/** The chunk number in an Expect like "c3", or undefined. */
export function parseChunkRef(e: string): number | undefined {
  if (e.length < 2 || e.charCodeAt(0) !== 99 /* c */) return undefined;
  const n = Number(e.slice(1));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const COMMA = 44;

/** Accumulates encoded transactions for one entry. */
export class EntryBuilder {
  private buf: Uint8Array;
  private len = 0;
  txs = 0;
  actions = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Bytes of the transactions so far. */
  get bytes(): number {
    return this.len;
  }

  /** Appends one transaction (a JSON array of actions); returns its size in bytes. */
  append(txJson: string, actions: number): number {
    const start = this.len;
    const sep = this.txs > 0 ? 1 : 0;
    for (;;) {
      const room = this.buf.subarray(start + sep);
      const r = enc.encodeInto(txJson, room);
      if (r.read === txJson.length) {
        if (sep) this.buf[start] = COMMA;
        this.len = start + sep + r.written;
        break;
      }
      this.grow(start + sep + txJson.length * 3);
    }
    this.txs++;
    this.actions += actions;
    return this.len - start;
  }

  /** Takes back the last append (its bytes stay allocated, unused). */
  undo(lastBytes: number, lastActions: number): void {
    this.len -= lastBytes;
    this.txs--;
    this.actions -= lastActions;
  }

  /** The transactions' bytes (a copy), leaving the builder empty and its buffer reusable. */
  take(): Uint8Array {
    const body = this.buf.slice(0, this.len);
    this.len = 0;
    this.txs = 0;
    this.actions = 0;
    return body;
  }

  /** The entry's bytes. */
  finish(h: EntryHeader): Uint8Array {
    return assembleEntry(h, this.buf.subarray(0, this.len));
  }

  private grow(min: number): void {
    let size = this.buf.length * 2;
    while (size < min) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/** An entry from its header and its transactions' bytes (comma-separated JSON arrays). */
export function assembleEntry(h: EntryHeader, body: Uint8Array): Uint8Array {
  let head = `{"v":${ENTRY_VERSION},"t":${h.t}`;
  if (h.k !== undefined) head += `,"k":${h.k}`;
  if (h.r && Object.keys(h.r).length > 0) head += `,"r":${JSON.stringify(h.r)}`;
  head += ',"x":[';
  const headBytes = enc.encode(head);
  const out = new Uint8Array(headBytes.length + body.length + 2);
  out.set(headBytes, 0);
  out.set(body, headBytes.length);
  out[out.length - 2] = 93; // ]
  out[out.length - 1] = 125; // }
  return out;
}

/** Encodes an entry of whole transactions (store.update). */
export function encodeEntry(h: EntryHeader, txs: WireAction[][]): Uint8Array {
  const b = new EntryBuilder();
  for (const tx of txs) b.append(JSON.stringify(tx), tx.length);
  return b.finish(h);
}

/** Parses an entry; throws on bytes that are not one. */
export function decodeEntry(data: Uint8Array): DecodedEntry {
  const e = JSON.parse(dec.decode(data)) as DecodedEntry;
  if (typeof e !== 'object' || e === null || e.v !== ENTRY_VERSION || !Array.isArray(e.x)) {
    throw new Error('not a store entry');
  }
  return e;
}
