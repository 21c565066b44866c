/**
 * What every control API operation works with (the store and the injected world), and
 * the small helpers they share: resolving a reference the way Docker does (full id, exact
 * name, unique id prefix), timestamps from the injected clock, ids from the injected
 * randomness, and a structural equality for "did the spec change".
 */
import { newId } from '../../api/ids.ts';
import type { Meta } from '../../api/meta.ts';
import type { Clock } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import type { Rng } from '../../base/rng.ts';
import type { MemoryStore, Stored, TableReads } from '../../store/index.ts';
import { daemonError, lookupError } from './errors.ts';

/** What the control API knows of Raft membership (the manager wires it; optional in tests). */
export interface RaftMembership {
  /** The node is a member of the Raft cluster (a manager not yet removed from it). */
  isMember(nodeId: string): boolean;
  /** Removing the node's member would keep a quorum of the remaining voters reachable. */
  canRemove(nodeId: string): boolean;
}

export interface ControlContext {
  readonly store: MemoryStore;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: Logger;
  readonly raft: RaftMembership | undefined;
  /** A name for a service created without one (Docker: the daemon's names generator). */
  readonly generateName: () => string;
}

/** Resolves `ref` (full id, exact name, unique id prefix) or throws Docker's error. */
export function resolve<T extends Meta>(table: TableReads<T>, ref: string): Stored<T> {
  const r = table.lookup(ref);
  if (!r.ok) throw lookupError(r.error);
  return r.object;
}

export function nowIso(clock: Clock): string {
  return new Date(clock.wallNow()).toISOString();
}

export function makeId(ctx: ControlContext): string {
  return newId(ctx.rng);
}

/** `?version=N`: the Version.Index an update is based on. */
export function checkedVersion(version: number): number {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw daemonError('invalid_argument', `invalid version: ${String(version)}`, 400);
  }
  return version;
}

/**
 * Structural equality of JSON values where an absent key and `undefined` are the same and
 * key order does not matter (specs arrive in the client's order, stored ones in ours).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameJson(v, bb[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!sameJson(ra[k], rb[k])) return false;
  return true;
}

/** A shallow copy without the given keys (stored objects are replaced, never changed). */
export function without<T extends object, K extends keyof T>(o: T, ...keys: K[]): Omit<T, K> {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}
