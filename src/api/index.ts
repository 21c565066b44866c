/**
 * src/api: the domain types of the swarm (Cluster, Node, Service, Task, Network, Secret,
 * Config), with Spec (intent) and Status (observation) kept apart, the task state ladder,
 * ids and validation. Shaped after the Docker Engine API so the HTTP layer maps them one
 * to one. Everything above (store, manager, agent, http) speaks these words. Validation
 * and defaulting with Docker's rules and messages live in validate/ (re-exported here).
 */
export * from './cluster.ts';
export * from './ids.ts';
export * from './meta.ts';
export * from './network.ts';
export * from './node.ts';
export * from './secret.ts';
export * from './service.ts';
export * from './task.ts';
export * from './task-spec.ts';
export * from './task-state.ts';
export * from './validate/index.ts';
