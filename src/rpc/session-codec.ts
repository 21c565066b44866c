/**
 * Session messages on the wire: one JSON document per gRPC frame (AgentFrame,
 * DispatcherFrame). The protocol's messages are plain data (memlink's 'json' codec proves
 * it), so JSON carries them as they are. The cost is CPU and size: a status report of
 * 1,024 running tasks is ~270 KB of JSON, ~1.1 ms to encode and ~1.3 ms to parse (Node 20,
 * this machine); protobuf would not repeat field names in every update. Typed proto
 * messages are the upgrade path if profiles point here.
 *
 * What arrives from the other end is checked only for shape (an object with a known
 * `kind`); the dispatcher and the agent check the content as they always do.
 */
import type { AgentMessage, DispatcherMessage } from '../manager/dispatcher/protocol.ts';

const AGENT_KINDS: ReadonlySet<string> = new Set([
  'open',
  'heartbeat',
  'status',
  'close',
  'logs',
  'mesh-problems',
  'tls-info',
]);
const DISPATCHER_KINDS: ReadonlySet<string> = new Set([
  'accepted',
  'heartbeat',
  'managers',
  'node',
  'assignments',
  'error',
  'logs-subscribe',
  'logs-cancel',
  'mesh',
  'root-ca',
]);

export function encodeMessage(m: AgentMessage | DispatcherMessage): Uint8Array {
  return Buffer.from(JSON.stringify(m), 'utf8');
}

function decode(bytes: Uint8Array, kinds: ReadonlySet<string>): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const m = JSON.parse(text) as unknown;
  const kind = (m as { kind?: unknown } | null)?.kind;
  if (
    typeof m !== 'object' ||
    m === null ||
    Array.isArray(m) ||
    typeof kind !== 'string' ||
    !kinds.has(kind)
  ) {
    throw new Error(`not a session message: ${text.slice(0, 80)}`);
  }
  return m;
}

/** Throws on anything that is not JSON of an agent message's shape. */
export function decodeAgentMessage(bytes: Uint8Array): AgentMessage {
  return decode(bytes, AGENT_KINDS) as AgentMessage;
}

/** Throws on anything that is not JSON of a dispatcher message's shape. */
export function decodeDispatcherMessage(bytes: Uint8Array): DispatcherMessage {
  return decode(bytes, DISPATCHER_KINDS) as DispatcherMessage;
}
