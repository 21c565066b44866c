/**
 * ManagerDirectory: what a dispatcher knows of the managers, from Raft's point of view
 * (the leader and every member's address). The dispatcher hands the list to agents so they
 * can fail over, and a dispatcher on a follower answers with the leader's address so the
 * agent reconnects there. The Raft-backed implementation comes with the manager wiring;
 * StaticDirectory is its in-memory twin (tests, the simulator).
 */
import type { ManagerPeer } from './protocol.ts';

export interface ManagerDirectory {
  /** The current leader, when one is known. */
  leader(): ManagerPeer | undefined;
  /** Every manager (voters and learners). */
  managers(): readonly ManagerPeer[];
  /** Calls `listener` after the leader or the membership changed; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** A directory set by hand. */
export class StaticDirectory implements ManagerDirectory {
  private list: ManagerPeer[];
  private leaderId: string | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(managers: readonly ManagerPeer[], leaderId?: string) {
    this.list = [...managers];
    this.leaderId = leaderId;
  }

  leader(): ManagerPeer | undefined {
    return this.list.find((m) => m.nodeId === this.leaderId);
  }

  managers(): readonly ManagerPeer[] {
    return this.list;
  }

  setLeader(nodeId: string | undefined): void {
    this.leaderId = nodeId;
    this.changed();
  }

  setManagers(managers: readonly ManagerPeer[]): void {
    this.list = [...managers];
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** The list an agent gets: the leader first, then the others in their order. */
export function managersForAgents(dir: ManagerDirectory): ManagerPeer[] {
  const leader = dir.leader();
  const rest = dir.managers().filter((m) => m.nodeId !== leader?.nodeId);
  return leader ? [leader, ...rest] : rest;
}
