/**
 * Recovery of a manager whose swarm lost its quorum (`swarm init --force-new-cluster`):
 * the member's own log is rewritten so that it alone is the cluster, keeping everything it
 * had committed. Entries after its commit index (never known to be committed) are
 * dropped; then one conf entry per other member removes it, each carrying the
 * configuration after the removal, at the member's current term, and the hard state
 * commits them. Started afterwards, the member is a one-voter cluster: it elects itself and
 * the others' entries in its store remain as history. The operator then joins new
 * managers to it, as with Docker.
 */
import { decodeConfChangeEntry, encodeConfChangeEntry } from './core/confchange.ts';
import type { ConfState, Entry, NodeId } from './core/types.ts';
import type { RaftStorage } from './storage/storage.ts';

export interface ForcedCluster {
  removed: NodeId[];
  /** The index of the last entry written (the new commit index). */
  commit: number;
}

/** The configuration in force at `index` (conf entries are effective once in the log). */
export function confAt(storage: RaftStorage, index: number): ConfState {
  let conf = storage.initialState().conf;
  const first = storage.firstIndex();
  if (index < first) return conf;
  for (const e of storage.entries(first, index + 1, Number.MAX_SAFE_INTEGER)) {
    if (e.type === 'conf') conf = decodeConfChangeEntry(e.data).conf;
  }
  return conf;
}

export async function forceNewCluster(storage: RaftStorage, self: NodeId): Promise<ForcedCluster> {
  const hs = storage.initialState().hardState;
  const commit = Math.max(hs.commit, storage.snapshot().meta.index);
  const conf = confAt(storage, commit);
  const others = [...conf.voters, ...conf.learners].filter((m) => m !== self);
  if (!conf.voters.includes(self)) {
    throw new Error(`raft member ${self} is not a voter of its own last configuration`);
  }
  const voters = conf.voters.filter((m) => m !== self);
  const learners = [...conf.learners];
  const entries: Entry[] = [];
  let index = commit;
  for (const m of others) {
    const vi = voters.indexOf(m);
    if (vi >= 0) voters.splice(vi, 1);
    const li = learners.indexOf(m);
    if (li >= 0) learners.splice(li, 1);
    index++;
    entries.push({
      term: hs.term,
      index,
      type: 'conf',
      data: encodeConfChangeEntry({
        change: { type: 'removeNode', node: m, context: new Uint8Array(0) },
        conf: { voters: [self, ...voters].sort(), learners: [...learners] },
      }),
    });
  }
  // Alone already: its own uncommitted tail, if any, is its to commit once it leads.
  if (entries.length === 0) return { removed: [], commit };
  // Saving from commit+1 replaces any uncommitted tail.
  await storage.save({ term: hs.term, vote: hs.vote, commit: index }, entries);
  return { removed: others, commit: index };
}
