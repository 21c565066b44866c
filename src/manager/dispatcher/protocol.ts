/**
 * The session protocol between an agent (the worker end) and the dispatcher (the manager
 * end): plain-object messages, so any transport can carry them (the in-memory link of the
 * simulator, later gRPC over mutual TLS). One link carries at most one session.
 *
 *   agent                                   dispatcher (leader)
 *     ── open {nodeId, description, sessionId?} ──▶  node written READY, then:
 *     ◀── accepted {sessionId, heartbeatPeriodMs, managers, node}
 *     ◀── assignments COMPLETE (seq 1)       tasks on this node (≥ ASSIGNED), secrets, configs
 *     ── heartbeat ──▶ ◀── heartbeat {periodMs}     every period; silence for 3 periods: DOWN
 *     ── status [{taskId, status}…] ──▶     batched into store writes
 *     ◀── assignments INCREMENTAL (seq n, appliesTo n-1)
 *     ◀── managers [...]                    the manager list changed (for fail-over)
 *     ── close ──▶                           the agent is stopping
 *     ◀── error {code, message, leader?}     then the dispatcher closes the link
 *     ◀── root-ca {root, next?}             the swarm's root CA (and the one being rotated to)
 *     ── tls-info {tlsInfo} ──▶             the node's trust root and certificate issuer
 *     ◀── logs-subscribe {subId, taskIds…}   read these tasks' output (the log broker)
 *     ── logs {subId, lines, done?} ──▶      ... published in batches; logs-cancel stops it
 *
 * Objects in messages are shared, never copied by an in-memory transport: neither end may
 * change them (they are typed DeepReadonly).
 */
import type { DeepReadonly } from '../../api/meta.ts';
import type { Node, NodeAvailability, NodeDescription } from '../../api/node.ts';
import type { Config, Secret } from '../../api/secret.ts';
import type { Task, TaskStatus } from '../../api/task.ts';
import type { MeshEndpoint, MeshPort } from '../../network/mesh/types.ts';

/** A manager an agent can open a session with. */
export interface ManagerPeer {
  nodeId: string;
  /** Its cluster address (host:2377). */
  addr: string;
}

// ---- agent -> dispatcher ------------------------------------------------------------

export interface OpenSession {
  kind: 'open';
  /** Who the agent says it is; an authenticated link's identity takes precedence. */
  nodeId: string;
  description: DeepReadonly<NodeDescription>;
  /** The session the agent had, if any: kept when the dispatcher still knows it. */
  sessionId?: string;
  /** The availability asked at join (`swarm join --availability`): used if the node is new. */
  availability?: NodeAvailability;
}

export interface Heartbeat {
  kind: 'heartbeat';
  sessionId: string;
}

export interface TaskStatusUpdate {
  taskId: string;
  status: DeepReadonly<TaskStatus>;
}

export interface StatusReport {
  kind: 'status';
  sessionId: string;
  updates: readonly TaskStatusUpdate[];
}

/** The agent is stopping (its tasks may keep running): the node counts as disconnected. */
export interface CloseSession {
  kind: 'close';
  sessionId: string;
}

/** One line of a task's output on the wire (the bytes in base64: messages are JSON). */
export interface WireLogLine {
  taskId: string;
  stream: 'stdout' | 'stderr';
  /** Wall-clock ms since the epoch. */
  timestamp: number;
  data: string;
}

/**
 * Lines for the log subscription `subId` (logs-subscribe). `done`: no more will come (every
 * selected task's output was read, and with `follow` every one has exited); `error`: this
 * node could not read them.
 */
export interface LogsPublish {
  kind: 'logs';
  sessionId: string;
  subId: string;
  lines: readonly WireLogLine[];
  done?: boolean;
  error?: string;
}

/**
 * The node's routing mesh could not open some published ports ("8080/tcp: listen
 * EADDRINUSE ..."), or can again (an empty list): shown in the node's status message.
 */
export interface MeshProblems {
  kind: 'mesh-problems';
  sessionId: string;
  problems: readonly string[];
}

/**
 * The node's TLS state changed (a renewed certificate, a new trust root): what
 * Node.Description.TLSInfo shows, and what a root rotation waits on.
 */
export interface TlsInfoReport {
  kind: 'tls-info';
  sessionId: string;
  tlsInfo: NonNullable<NodeDescription['TLSInfo']>;
}

export type AgentMessage =
  | OpenSession
  | Heartbeat
  | StatusReport
  | CloseSession
  | LogsPublish
  | MeshProblems
  | TlsInfoReport;

// ---- dispatcher -> agent ------------------------------------------------------------

export interface SessionAccepted {
  kind: 'accepted';
  sessionId: string;
  heartbeatPeriodMs: number;
  /** Every manager, so the agent can fail over; the leader first. */
  managers: readonly ManagerPeer[];
  node: DeepReadonly<Node>;
}

export interface HeartbeatAck {
  kind: 'heartbeat';
  /** Send the next heartbeat after this long (the period, jittered). */
  periodMs: number;
}

/** The node's own object changed (role, availability, labels): swarmkit's session message. */
export interface NodeChanged {
  kind: 'node';
  node: DeepReadonly<Node>;
}

/**
 * The swarm's root CA, when a session opens and whenever it changes: `root` is the root
 * to keep (and report as TrustRoot); during a root rotation `next` is the root being
 * rotated to, which the node trusts too, and whose key must issue its certificate (it
 * renews at once if not).
 */
export interface RootCaUpdate {
  kind: 'root-ca';
  root: string;
  next?: string;
}

export interface ManagersChanged {
  kind: 'managers';
  managers: readonly ManagerPeer[];
}

/** A set of objects to add or replace, and ids to drop (always empty in a COMPLETE set). */
export interface Changes<T> {
  update: ReadonlyArray<DeepReadonly<T>>;
  remove: readonly string[];
}

/**
 * COMPLETE: everything the node should hold; anything else it holds must go.
 * INCREMENTAL: only what changed since message `appliesTo`. A gap in the sequence means
 * a message was lost: the agent must start a new session (and get a COMPLETE set).
 * Apply order: secrets and configs updates, tasks, then secrets and configs removals.
 */
export interface Assignments {
  kind: 'assignments';
  type: 'complete' | 'incremental';
  seq: number;
  appliesTo: number;
  tasks: Changes<Task>;
  secrets: Changes<Secret>;
  configs: Changes<Config>;
}

/**
 * not_member: the node is not (or no longer) part of the swarm; do not retry.
 * session_invalid: open a new session (without the old session id).
 * not_leader: this manager cannot serve sessions; `leader` says where to go, if known.
 * unavailable: try again later, or another manager.
 */
export type SessionErrorCode = 'not_member' | 'session_invalid' | 'not_leader' | 'unavailable';

export interface SessionError {
  kind: 'error';
  code: SessionErrorCode;
  message: string;
  leader?: ManagerPeer;
}

/** Read these tasks' output and publish it as `logs` messages (swarmkit's log broker). */
export interface LogsSubscribe {
  kind: 'logs-subscribe';
  subId: string;
  taskIds: readonly string[];
  follow: boolean;
  tail?: number;
  since?: number;
  streams?: ReadonlyArray<'stdout' | 'stderr'>;
}

/** The routing mesh's endpoint table as the leader sends it to every node. */
export interface WireMesh {
  ports: ReadonlyArray<
    Omit<MeshPort, 'endpoints'> & { endpoints: ReadonlyArray<MeshEndpoint & { node: string }> }
  >;
}

/** The whole mesh table, sent when it changes and when a session opens. */
export interface MeshTable {
  kind: 'mesh';
  mesh: WireMesh;
}

/** The subscriber went away: stop reading. */
export interface LogsCancel {
  kind: 'logs-cancel';
  subId: string;
}

export type DispatcherMessage =
  | MeshTable
  | LogsSubscribe
  | LogsCancel
  | SessionAccepted
  | HeartbeatAck
  | ManagersChanged
  | NodeChanged
  | RootCaUpdate
  | Assignments
  | SessionError;

// ---- constants and words ------------------------------------------------------------

/** Docker's words for the errors an agent can get. */
export const NOT_MEMBER = 'node is not a swarm member';
export const NOT_LEADER = 'this manager is not the leader';
export const sessionInvalid = (why: string): string => `session invalid: ${why}`;

/** Status messages written on Node.Status (swarmkit's where it has them). */
export const NODE_MESSAGES = {
  heartbeatFailure: 'heartbeat failure',
  disconnectedExpired: 'heartbeat failure for node in "disconnected" state',
  unknownExpired: 'heartbeat failure for node in "unknown" state',
  disconnected: 'node is currently trying to find new manager',
} as const;

/** Defaults shared by both ends (swarmkit's values). */
export const SESSION_DEFAULTS = {
  heartbeatPeriodMs: 5_000,
  /** A heartbeat period is jittered by ± this, so 5,000 agents do not beat in step. */
  heartbeatEpsilonMs: 500,
  /** Silence for this many periods marks a node down. */
  graceMultiplier: 3,
  /** How long an agent waits for the answer to open or to a heartbeat. */
  rpcTimeoutMs: 5_000,
} as const;

export function emptyChanges<T>(): Changes<T> {
  return { update: [], remove: [] };
}
