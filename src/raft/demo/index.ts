/**
 * Raft outside the simulator: real member processes on 127.0.0.1 (gRPC with mutual TLS,
 * fsynced WAL), for `shoal demo`, the Raft benchmark (bench/raft/) and multi-process
 * tests. Not part of a Shoal manager: the daemon wires RaftNode itself.
 *
 *   member.ts   process entry point: one Raft member + its control API (control.ts)
 *   cluster.ts  LocalCluster: CA, certificates, ports; spawn, kill -9, restart members
 *   demo.ts     runDemo(): a guided leader crash and recovery, printed for humans
 *   client.ts   the control API's client; writer.ts: a write that retries on every member
 */

export type { LoadResult, MemberStatus } from './client.ts';
export { memberApi } from './client.ts';
export { LocalCluster } from './cluster.ts';
export { type DemoOptions, runDemo } from './demo.ts';
