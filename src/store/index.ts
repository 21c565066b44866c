/**
 * src/store: the cluster state (clusters, nodes, services, tasks, networks, secrets,
 * configs) held in memory on every manager, indexed for the hot paths, read in
 * synchronous transactions and written through Raft. Every component above talks to the
 * others only through it: controlapi writes services, the orchestrators write tasks, the
 * allocator and the scheduler update them, the dispatcher reads a node's assignments and
 * writes the status its agent reports; each watches the store for the others' changes.
 * Design: docs/design/store.md.
 */
export type { Batch } from './batch.ts';
export {
  AlreadyExistsError,
  AmbiguousError,
  NameConflictError,
  NotFoundError,
  RuleError,
  SequenceConflictError,
} from './errors.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
export {
  type LocalApplier,
  LocalProposer,
  type Proposer,
  RaftProposer,
  type ReplicatingNode,
} from './proposer.ts';
export { StoreStateMachine } from './state-machine.ts';
export type { ClusterReads } from './tables/clusters.ts';
export type { ConfigReads } from './tables/configs.ts';
export { type ReadTx, TABLES, type WriteTx } from './tables/index.ts';
export type { NetworkReads } from './tables/networks.ts';
export type { NodeReads } from './tables/nodes.ts';
export type { SecretReads } from './tables/secrets.ts';
export type { ServiceReads } from './tables/services.ts';
export type { TaskReads } from './tables/tasks.ts';
export * from './types.ts';
export type { Lookup, TableReads, TableWrites } from './view.ts';
export { type WatchOptions, WatchQueue } from './watch.ts';
