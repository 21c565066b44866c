/**
 * The driver's snapshot envelope: the application's snapshot bytes plus the members'
 * addresses, which a restarted member needs to reach its peers before it learns anything
 * else (the configuration inside a Raft snapshot names members, not addresses).
 *
 *   u32 length of members JSON | members JSON {id: address} | application bytes
 */
export interface Envelope {
  members: Record<string, string>;
  app: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function sealEnvelope(e: Envelope): Uint8Array {
  const members = enc.encode(JSON.stringify(e.members));
  const out = new Uint8Array(4 + members.byteLength + e.app.byteLength);
  new DataView(out.buffer).setUint32(0, members.byteLength);
  out.set(members, 4);
  out.set(e.app, 4 + members.byteLength);
  return out;
}

export function openEnvelope(data: Uint8Array): Envelope {
  if (data.byteLength === 0) return { members: {}, app: data };
  if (data.byteLength < 4) throw new Error('raft snapshot envelope: truncated');
  const n = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  if (4 + n > data.byteLength) throw new Error('raft snapshot envelope: truncated members');
  const members = JSON.parse(dec.decode(data.subarray(4, 4 + n))) as Record<string, string>;
  return { members, app: data.subarray(4 + n) };
}
