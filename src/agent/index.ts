/**
 * src/agent: the worker end of a node's session with the managers. In the task's path it
 * sits after the dispatcher: it receives the node's assignments (a COMPLETE set, then
 * INCREMENTAL changes), runs one TaskRunner per task through the node's Executor, and
 * reports every status change back, batched. It heartbeats at the period it is given,
 * fails over to another manager and follows redirects to the leader, keeps tasks running
 * while disconnected, and adopts what is still running after a restart.
 *
 * - agent.ts: the connection loop (dial, redirect, backoff) and the wiring.
 * - session.ts: one session over one link: open, heartbeats, timeouts, sequence checks.
 * - worker.ts: the node's task runners kept equal to the assignments; adoption.
 * - reporter.ts: outgoing statuses, coalesced per task and batched.
 * - managers.ts: which manager to try next.
 * Design: docs/design/dispatcher.md (both ends of the session).
 */
export { Agent, type AgentOptions, type AgentState } from './agent.ts';
export { ManagerList } from './managers.ts';
export { Reporter, type ReporterOptions, type StatusSink } from './reporter.ts';
export { AgentSession, type AgentSessionOptions, type SessionEnd, type SessionHandlers } from './session.ts';
export { Worker, type WorkerOptions } from './worker.ts';
