/**
 * RaftDirectory: the ManagerDirectory the dispatcher hands to agents, read from Raft: every
 * member's address (from the conf changes) and the current leader. Updated by the Manager
 * when the leader or the membership changes.
 */
import type { RaftNode } from '../raft/node.ts';
import type { ManagerDirectory, ManagerPeer } from './dispatcher/index.ts';
import { nodeIdOfMember } from './role/raft-ids.ts';

export class RaftDirectory implements ManagerDirectory {
  private list: ManagerPeer[] = [];
  private leaderPeer: ManagerPeer | undefined;
  private readonly listeners = new Set<() => void>();

  leader(): ManagerPeer | undefined {
    return this.leaderPeer;
  }

  managers(): readonly ManagerPeer[] {
    return this.list;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  update(raft: RaftNode): void {
    const conf = raft.status().conf;
    const list: ManagerPeer[] = [];
    for (const m of [...conf.voters, ...conf.learners].sort()) {
      const addr = raft.members.get(m);
      if (addr) list.push({ nodeId: nodeIdOfMember(m), addr });
    }
    const lead = raft.leader;
    const leaderAddr = lead ? raft.members.get(lead) : undefined;
    const leaderPeer = lead && leaderAddr ? { nodeId: nodeIdOfMember(lead), addr: leaderAddr } : undefined;
    const same =
      list.length === this.list.length &&
      list.every((p, i) => p.addr === this.list[i]?.addr && p.nodeId === this.list[i]?.nodeId) &&
      leaderPeer?.addr === this.leaderPeer?.addr;
    if (same) return;
    this.list = list;
    this.leaderPeer = leaderPeer;
    for (const l of [...this.listeners]) l();
  }
}
