/**
 * RoleManager (leader only): keeps Raft membership in line with the nodes' roles, and
 * writes each node's ManagerStatus.
 *
 *   node.Spec.Role = manager ──► the node itself joins Raft as a learner (Manager.join)
 *   learner caught up        ──► promoted to voter
 *   node.Spec.Role = worker  ──► its member removed (the leader hands over first if it is
 *                                the one being demoted)
 *   every member             ──► Node.ManagerStatus {Leader, Reachability, Addr}
 *
 * One membership change at a time (Raft refuses a second while one is in flight); the
 * loop runs on node events, once a second, and every 50 ms while a learner catches up.
 */
import type { DeepReadonly } from '../../api/meta.ts';
import type { ManagerStatus, Node } from '../../api/node.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import { nullLogger } from '../../base/logger.ts';
import type { RaftNode } from '../../raft/node.ts';
import type { MemoryStore } from '../../store/index.ts';
import { nodeIdOfMember } from './raft-ids.ts';

export interface RoleManagerOptions {
  store: MemoryStore;
  raft: RaftNode;
  clock: Clock;
  logger?: Logger;
  intervalMs?: number;
}

export class RoleManager {
  private timer: Timer | undefined;
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly opts: RoleManagerOptions) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'role-manager' });
  }

  start(): void {
    this.unsubscribe = this.opts.store.subscribe(() => this.kick(), { tables: ['nodes'] });
    this.timer = this.opts.clock.setInterval(() => this.kick(), this.opts.intervalMs ?? 1_000);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.soonTimer?.cancel();
    this.unsubscribe?.();
    await this.running;
  }

  private soonTimer: Timer | undefined;

  private soon(): void {
    if (this.soonTimer || this.stopped) return;
    this.soonTimer = this.opts.clock.setTimeout(() => {
      this.soonTimer = undefined;
      this.kick();
    }, 50);
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((e: unknown) =>
        this.log.warn({ err: (e as Error).message }, 'role reconciliation failed; retrying'),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pass(): Promise<void> {
    const { raft, store } = this.opts;
    const st = raft.status();
    if (st.state !== 'leader') return;
    const nodes = new Map(store.view((tx) => tx.nodes.all().map((n) => [n.ID, n] as const)));
    const members = [...st.conf.voters, ...st.conf.learners];

    // 1. Promote a learner that has caught up; one still catching up is looked at again
    // shortly (a joining manager waits for its vote), not at the next one-second pass.
    let catchingUp = false;
    for (const l of st.conf.learners) {
      const p = st.progress.get(l);
      const node = nodes.get(nodeIdOfMember(l));
      if (p && node?.Spec.Role === 'manager' && p.match >= st.commit) {
        this.log.info({ member: l }, 'promoting caught-up learner to voter');
        await raft.proposeConfChange({ type: 'addVoter', node: l });
        return;
      }
      if (node?.Spec.Role === 'manager') catchingUp = true;
    }
    // A manager node whose member is not in the configuration yet is joining right now.
    const memberNodes = new Set(members.map(nodeIdOfMember));
    for (const n of nodes.values()) {
      if (n.Spec.Role === 'manager' && !memberNodes.has(n.ID) && n.Status.State !== 'down') catchingUp = true;
    }
    if (catchingUp) this.soon();
    // 2. Remove members whose node was demoted or removed.
    for (const m of members) {
      const node = nodes.get(nodeIdOfMember(m));
      // Only an explicit demotion removes a member (a node object can lag its member).
      if (node?.Spec.Role !== 'worker') continue;
      if (m === raft.id) {
        this.log.info({}, 'this manager is being demoted: handing leadership over');
        await raft.transferLeadership();
        return;
      }
      this.log.info({ member: m }, 'removing demoted manager from raft');
      await raft.proposeConfChange({ type: 'removeNode', node: m });
      return;
    }
    // 3. ManagerStatus.
    const want = new Map<string, ManagerStatus>();
    for (const m of members) {
      const p = st.progress.get(m);
      want.set(nodeIdOfMember(m), {
        Leader: m === st.lead,
        Reachability: m === raft.id || p?.recentActive ? 'reachable' : 'unreachable',
        Addr: raft.members.get(m) ?? '',
      });
    }
    const changed = [...nodes.values()].filter((n) => !sameStatus(n.ManagerStatus, want.get(n.ID)));
    if (changed.length === 0) return;
    await store.batch((b) => {
      for (const n of changed) {
        b.update((tx) => {
          const cur = tx.nodes.get(n.ID);
          if (!cur) return;
          const ms = want.get(n.ID);
          tx.nodes.update(cur, { ManagerStatus: ms } as Partial<Node>);
        });
      }
    });
  }
}

function sameStatus(a: DeepReadonly<ManagerStatus> | undefined, b: ManagerStatus | undefined): boolean {
  if (!a || !b) return a === b;
  return a.Leader === b.Leader && a.Reachability === b.Reachability && a.Addr === b.Addr;
}
