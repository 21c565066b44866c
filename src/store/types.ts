/**
 * The store's vocabulary: table names and the object type each holds, watch events, and
 * what applying an entry returns. Everything here is plain data shared by the read side
 * (views), the write side (transactions, batches) and the apply side (state machine).
 */

import type { Cluster } from '../api/cluster.ts';
import type { DeepReadonly, Meta } from '../api/meta.ts';
import type { Network } from '../api/network.ts';
import type { Node } from '../api/node.ts';
import type { Config, Secret } from '../api/secret.ts';
import type { Service } from '../api/service.ts';
import type { Task } from '../api/task.ts';
import type { ShoalError } from '../base/errors.ts';

/** The object type stored in each table. */
export interface ObjectTypes {
  clusters: Cluster;
  nodes: Node;
  services: Service;
  tasks: Task;
  networks: Network;
  secrets: Secret;
  configs: Config;
}

export type TableName = keyof ObjectTypes;

/** Every table, in the order snapshots list them. */
export const TABLE_NAMES: readonly TableName[] = [
  'clusters',
  'nodes',
  'services',
  'tasks',
  'networks',
  'secrets',
  'configs',
];

export function isTableName(s: unknown): s is TableName {
  return typeof s === 'string' && (TABLE_NAMES as readonly string[]).includes(s);
}

/** What a reader gets: the stored object itself, immutable by convention (never copied). */
export type Stored<T> = DeepReadonly<T>;

/**
 * What a writer passes to create(): the object without the fields the store stamps at
 * apply time (Version, CreatedAt, UpdatedAt); any values given for them are replaced.
 */
export type NewObject<T extends Meta> = DeepReadonly<Omit<T, 'Version' | 'CreatedAt' | 'UpdatedAt'>> &
  Partial<DeepReadonly<Pick<Meta, 'Version' | 'CreatedAt' | 'UpdatedAt'>>>;

export type EventKind = 'create' | 'update' | 'delete';

/**
 * One change, as applied. `object` is the new object (create, update) or the removed one
 * (delete); `old` is the object before an update. `index` is the Raft index of the entry.
 */
export type StoreEvent = {
  [K in TableName]: {
    kind: EventKind;
    table: K;
    object: Stored<ObjectTypes[K]>;
    old?: Stored<ObjectTypes[K]>;
    index: number;
  };
}[TableName];

export type StoreListener = (events: StoreEvent[]) => void;

/** Which events a subscriber wants; all of them when absent. */
export interface EventFilter {
  tables?: readonly TableName[];
  kinds?: readonly EventKind[];
  match?: (e: StoreEvent) => boolean;
}

/** The outcome of one transaction at apply time. */
export type TxResult = { ok: true } | { ok: false; error: ShoalError };

/**
 * What the state machine returns for one entry (and what `Proposer.propose` resolves
 * with): the entry's index and one result per transaction, in order. `error` is set, and
 * `results` empty, only for an entry that could not be decoded at all.
 */
export interface EntryResult {
  index: number;
  results: TxResult[];
  error?: ShoalError;
}

export function isEntryResult(v: unknown): v is EntryResult {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as EntryResult).index === 'number' &&
    Array.isArray((v as EntryResult).results)
  );
}

/** What a batch resolves with: how many of its transactions applied, and which failed. */
export interface BatchResult {
  applied: number;
  failed: Array<{ tx: number; error: ShoalError }>;
  /** Raft entries proposed. */
  entries: number;
}
