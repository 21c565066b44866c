/**
 * Raft member ids of managers. A node keeps its node id for life, but each time it becomes
 * a manager it joins Raft as a NEW member (a demoted and re-promoted manager starts with an
 * empty log; a reused member id would let messages meant for its former self mislead it:
 * see docs/design/raft.md). The member id is `<node id>.<suffix>`: the node a member
 * belongs to is readable from the id alone, with no table to keep in sync.
 */
import type { Rng } from '../../base/rng.ts';

export function newRaftId(nodeId: string, rng: Rng): string {
  return `${nodeId}.${rng
    .int(0, 36 ** 6)
    .toString(36)
    .padStart(6, '0')}`;
}

export function nodeIdOfMember(raftId: string): string {
  const dot = raftId.indexOf('.');
  return dot < 0 ? raftId : raftId.slice(0, dot);
}
