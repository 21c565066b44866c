/**
 * The initial log of a new cluster: one conf entry per founding voter, all at term 1 and
 * committed. Every founding member writes the same entries, so their logs match from the
 * start. A member that joins later starts empty and receives the log from the leader.
 */
import { encodeConfChangeEntry } from './confchange.ts';
import type { Entry, HardState, NodeId } from './types.ts';
import { NONE } from './types.ts';

export interface Peer {
  id: NodeId;
  /** Opaque to Raft; Shoal puts the member's address here. */
  context?: Uint8Array;
}

export function bootstrapEntries(peers: readonly Peer[]): { hardState: HardState; entries: Entry[] } {
  if (peers.length === 0) throw new Error('raft bootstrap: at least one peer is required');
  const voters: NodeId[] = [];
  const entries: Entry[] = peers.map((p, i) => {
    voters.push(p.id);
    const conf = { voters: [...voters].sort(), learners: [] };
    const data = encodeConfChangeEntry({
      change: { type: 'addVoter', node: p.id, context: p.context ?? new Uint8Array(0) },
      conf,
    });
    return { term: 1, index: i + 1, type: 'conf', data };
  });
  return { hardState: { term: 1, vote: NONE, commit: entries.length }, entries };
}
