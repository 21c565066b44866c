/**
 * src/manager/dispatcher: the manager end of every node's session. In the task's path it
 * sits after the scheduler: it streams each node the tasks assigned to it (ASSIGNED and
 * on, with their desired state, and the secrets and configs they use), and writes what
 * the node's agent reports back into the store (Task.Status from ASSIGNED on, never
 * backwards; Node.Status and Node.Description). It watches heartbeats: a node silent for
 * three periods is DOWN, and the orchestrators, watching the store, reschedule its tasks.
 * It runs on the leader; other managers send agents to the leader.
 *
 * - protocol.ts: the messages (plain objects, any transport).
 * - link.ts: SessionLink, the transport interface; memlink.ts: its in-memory twin
 *   (latency, dropped links, crashed managers, silent partitions).
 * - dispatcher.ts: sessions, leadership, message handling.
 * - nodes.ts: per-node liveness (heartbeat deadlines, grace after disconnection or a new leader).
 * - assignments.ts, streams.ts: per-node assignment sets, fed by one store subscription.
 * - updates.ts: batched, coalesced store writes.
 * - directory.ts: the managers as Raft sees them (leader, addresses).
 * Design: docs/design/dispatcher.md.
 */
export { belongs, NodeAssignments } from './assignments.ts';
export { type ManagerDirectory, managersForAgents, StaticDirectory } from './directory.ts';
export { Dispatcher, type DispatcherOptions } from './dispatcher.ts';
export type * from './link.ts';
export { type Listener, MemoryNetwork, type MemoryNetworkOptions } from './memlink.ts';
export { type NodePhase, NodeTracker, type NodeTrackerOptions, type Session } from './nodes.ts';
export * from './protocol.ts';
export { AssignmentStreams, type AssignmentStreamsOptions } from './streams.ts';
export { type NodeChange, UpdateQueue, type UpdateQueueOptions } from './updates.ts';
