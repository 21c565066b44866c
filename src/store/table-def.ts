/**
 * What a table is: its name, the word Docker uses for its objects, its secondary indexes
 * and its rules. One definition per table lives in tables/*.ts; the generic core
 * (table-data.ts, overlay.ts, view.ts, apply.ts) is driven by these definitions only.
 */

import type { Labels, Meta } from '../api/meta.ts';
import type { ShoalError } from '../base/errors.ts';
import type { TableName } from './types.ts';

/** Index keys of an object: none (undefined or []), one, or several. */
export type IndexKeys = string | readonly string[] | undefined;

export interface IndexDef<T> {
  name: string;
  keys(o: T): IndexKeys;
}

export interface TableDef<T extends Meta> {
  name: TableName;
  /** Docker's word for one object ("service"), used in messages. */
  kind: string;
  indexes: readonly IndexDef<T>[];
  /**
   * The names an object answers to (exact case), for `lookup`. Their case-folded forms
   * must be the keys of the index named `name`.
   */
  names?(o: T): readonly string[];
  /** Names are unique in this table (case-insensitively): the message for a clash. */
  nameConflict?(name: string): ShoalError;
  /** A table rule, checked when a transaction writes and again at apply time. */
  check?(old: T | undefined, next: T): ShoalError | undefined;
}

/** Names are compared without case, as swarmkit's name indexes do. */
export function foldName(name: string): string {
  return name.toLowerCase();
}

/** The `name` index of a named table: the folded names, empty ones left out. */
export function nameIndex<T>(names: (o: T) => readonly string[]): IndexDef<T> {
  return {
    name: 'name',
    keys: (o) => {
      const ns = names(o);
      if (ns.length === 1) return ns[0] ? foldName(ns[0]) : undefined;
      return ns.filter((n) => n !== '').map(foldName);
    },
  };
}

/** Separates a label's key from its value in `label` index keys. */
export const LABEL_SEP = '\u0000';

/**
 * The `label` index: each label under `key` (label present) and `key\0value` (label has
 * that value), as Docker's `label=key` and `label=key=value` filters ask.
 */
export function labelIndex<T>(labels: (o: T) => Labels | undefined): IndexDef<T> {
  return {
    name: 'label',
    keys: (o) => {
      const ls = labels(o);
      if (!ls) return undefined;
      const out: string[] = [];
      for (const k of Object.keys(ls)) out.push(k, k + LABEL_SEP + ls[k]);
      return out;
    },
  };
}

export function labelKey(key: string, value?: string): string {
  return value === undefined ? key : key + LABEL_SEP + value;
}

/** A composite key of two parts (service and slot, service and node). */
export function pairKey(a: string, b: string | number): string {
  return `${a}${LABEL_SEP}${b}`;
}
