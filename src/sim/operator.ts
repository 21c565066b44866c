/**
 * A simulated operator changing membership under faults, the way `node demote` and
 * `node promote` will: remove a member (sometimes the leader itself), wipe it, add it back
 * as a learner, and promote it to voter once it has caught up. Every step goes through
 * whichever member currently leads, and is retried through elections and crashes.
 */
import type { Rng } from '../base/rng.ts';
import type { ConfChangeType } from '../raft/core/confchange.ts';
import type { NodeId } from '../raft/core/types.ts';
import type { SimCluster, SimMember } from './cluster.ts';
import type { Trace } from './trace.ts';

export class Operator {
  busy = false;
  changes = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly rng: Rng,
    private readonly trace: Trace,
  ) {}

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.cluster.vt.after(ms, r));
  }

  /** Runs membership cycles until `until`; the cycle under way then finishes. */
  async run(until: number): Promise<void> {
    const vt = this.cluster.vt;
    while (vt.now < until) {
      await this.sleep(this.rng.int(1_000, 4_000));
      if (vt.now >= until) break;
      const l = this.cluster.leader();
      if (!l?.node) continue;
      const voters = l.node.status().conf.voters;
      if (voters.length < 3) continue;
      const removeLeader = this.rng.chance(0.2);
      const candidates = voters.filter((v) => v !== l.id);
      const victimId = removeLeader ? l.id : this.rng.pick(candidates);
      const victim = this.cluster.byId(victimId);
      if (!victim) continue;
      this.busy = true;
      await this.change('removeNode', victimId, Number.POSITIVE_INFINITY);
      this.cluster.wipe(victim);
      this.cluster.restart(victim);
      await this.change('addLearner', victim.id, Number.POSITIVE_INFINITY);
      await this.waitCaughtUp(victim);
      await this.change('addVoter', victim.id, Number.POSITIVE_INFINITY);
      this.busy = false;
    }
  }

  /** Proposes a change through the current leader until it is applied or attempts run out. */
  private async change(type: ConfChangeType, node: NodeId, attempts: number): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      const l = this.cluster.leader();
      if (l?.node) {
        const conf = l.node.status().conf;
        const done =
          (type === 'removeNode' && !conf.voters.includes(node) && !conf.learners.includes(node)) ||
          (type === 'addLearner' && (conf.learners.includes(node) || conf.voters.includes(node))) ||
          (type === 'addVoter' && conf.voters.includes(node));
        if (done && i > 0) return true;
        try {
          await l.node.proposeConfChange({ type, node });
          this.changes++;
          this.trace.add(`operator: ${type} ${node} applied`);
          return true;
        } catch (e) {
          this.trace.add(`operator: ${type} ${node} failed: ${(e as Error).message}`);
        }
      }
      await this.sleep(this.rng.int(50, 500));
    }
    return false;
  }

  private async waitCaughtUp(m: SimMember): Promise<void> {
    for (;;) {
      const l = this.cluster.leader();
      const st = l?.node?.status();
      const p = st?.progress.get(m.id);
      if (st && p && p.match >= st.commit) return;
      await this.sleep(100);
    }
  }
}
