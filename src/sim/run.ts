/**
 * One simulated run from one seed: a Raft cluster under faults (partitions, crashes with
 * torn writes, lossy and duplicating links, clock drift, slow disks) with clients doing
 * puts and linearizable gets. Afterwards everything heals and the cluster must make
 * progress again. The verdict covers safety (checked throughout), linearizability of the
 * client history, and liveness after healing. The same seed always replays the same run.
 */
import { SeededRng } from '../base/rng.ts';
import type { NodeId } from '../raft/core/types.ts';
import { encodeKv } from '../raft/kv.ts';
import { type ClusterOptions, SimCluster, type SimMember } from './cluster.ts';
import { checkLinearizable, kvModel } from './linearizability.ts';
import { Operator } from './operator.ts';
import { SafetyChecker } from './safety.ts';
import { VirtualTime } from './time.ts';
import { Trace } from './trace.ts';
import { Workload } from './workload.ts';

export interface SimOptions {
  size?: number;
  /** Virtual seconds of faults; then everything heals. */
  faultSeconds?: number;
  /** Virtual seconds allowed after healing for the cluster to commit again. */
  recoverSeconds?: number;
  clients?: number;
  /** Probability that an operator removes, wipes, re-adds and promotes members. */
  membershipChanges?: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  failures: string[];
  trace: string[];
  stats: {
    membershipChanges: number;
    elections: number;
    committed: number;
    ops: number;
    completed: number;
    delivered: number;
    dropped: number;
    virtualSeconds: number;
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runSeed(seed: number, options: SimOptions = {}): Promise<SimResult> {
  const rng = new SeededRng(seed);
  const vt = new VirtualTime();
  const trace = new Trace(() => vt.now);
  const safety = new SafetyChecker();
  const size = options.size ?? (rng.chance(0.5) ? 3 : 5);
  const faultMs = (options.faultSeconds ?? 12) * 1000;
  const recoverMs = (options.recoverSeconds ?? 10) * 1000;
  const copts: ClusterOptions = {
    size,
    faults: {
      dropRate: rng.next() * 0.1,
      dupRate: rng.next() * 0.05,
      minDelayMs: 0.2,
      maxDelayMs: 1 + rng.next() * 30,
    },
    diskMs: [0.05, 0.05 + rng.next() * 5],
    drift: rng.next() * 0.1,
    snapshotInterval: rng.int(20, 200),
    keepEntries: rng.int(0, 20),
  };
  const cluster = new SimCluster(vt, rng.int(0, 2 ** 31), copts, trace, {
    onApply: (m, e) => safety.onApply(m, e),
    onLeader: (m, term) => safety.onLeader(m, term),
  });
  trace.add(
    `seed ${seed}: ${size} members, drop ${(copts.faults.dropRate * 100).toFixed(1)}%, dup ${(copts.faults.dupRate * 100).toFixed(1)}%, delay <= ${copts.faults.maxDelayMs.toFixed(1)} ms, drift ${(copts.drift * 100).toFixed(1)}%, snapshot every ${copts.snapshotInterval}`,
  );
  for (const m of cluster.members) cluster.start(m);
  const workload = new Workload(cluster, rng.fork(), trace, {
    clients: options.clients ?? 3,
    keys: 3,
    until: faultMs + recoverMs / 2,
    giveUpMs: 5_000,
  });
  workload.start();
  scheduleFaults(cluster, rng.fork(), trace, faultMs);
  const operator = rng.chance(options.membershipChanges ?? 0.5)
    ? new Operator(cluster, rng.fork(), trace)
    : undefined;
  const operatorDone = operator ? operator.run(faultMs) : Promise.resolve();
  let operatorFinished = false;
  void operatorDone.then(() => {
    operatorFinished = true;
  });

  const end = faultMs + recoverMs;
  let nextCheck = 1000;
  const failures: string[] = [];
  for (;;) {
    const fn = vt.next(end);
    if (!fn) break;
    fn();
    await settle();
    if (vt.now >= nextCheck) {
      nextCheck += 1000;
      safety.checkLogMatching(cluster.members);
    }
    if (safety.violations.length > 0) break;
  }
  failures.push(...safety.violations);
  if (failures.length === 0) {
    safety.checkLogMatching(cluster.members);
    failures.push(...safety.violations);
  }
  if (failures.length === 0) {
    const liveness = await checkProgress(cluster, vt, () => operatorFinished);
    if (liveness) failures.push(liveness);
  }
  if (failures.length === 0) {
    const res = checkLinearizable(kvModel, workload.history, { maxSteps: 5_000_000 });
    if (res.ok === false) failures.push(`linearizability: ${res.explanation}`);
    else if (res.ok === 'unknown') trace.add(`linearizability check inconclusive: ${res.reason}`);
  }
  for (const m of cluster.members) m.node?.halt();
  return {
    seed,
    ok: failures.length === 0,
    failures,
    trace: trace.tail(),
    stats: {
      membershipChanges: operator?.changes ?? 0,
      elections: safety.elections,
      committed: safety.maxCommitted,
      ops: workload.history.length,
      completed: workload.completed,
      delivered: cluster.net.delivered,
      dropped: cluster.net.dropped,
      virtualSeconds: vt.now / 1000,
    },
  };
}

/** Partitions and crashes at random moments until `until`, then everything heals. */
function scheduleFaults(
  cluster: SimCluster,
  rng: SeededRng | ReturnType<SeededRng['fork']>,
  trace: Trace,
  until: number,
): void {
  const vt = cluster.vt;
  const ids = cluster.members.map((m) => m.id);
  let t = rng.int(500, 2000);
  while (t < until) {
    const kind = rng.int(0, 4);
    const duration = rng.int(300, 3000);
    const end = Math.min(t + duration, until);
    if (kind === 0 || kind === 3) {
      vt.at(t, () => {
        const groups = split(ids, rng, cluster.leader()?.id);
        cluster.net.partition(groups);
        trace.add(`partition ${cluster.net.describePartition()}`);
      });
      vt.at(end, () => {
        cluster.net.heal();
        trace.add('partition healed');
      });
    }
    if (kind === 1 || kind === 3) {
      vt.at(t, () => {
        const victim = rng.chance(0.5) ? cluster.leader() : rng.pick(cluster.live());
        if (victim) {
          cluster.crash(victim);
          vt.at(end, () => cluster.restart(victim));
        }
      });
    }
    if (kind === 2) {
      // A quick crash-restart cycle of the leader.
      vt.at(t, () => {
        const l = cluster.leader();
        if (!l) return;
        cluster.crash(l);
        vt.after(rng.int(1, 200), () => cluster.restart(l));
      });
    }
    t = end + rng.int(0, 1500);
  }
  vt.at(until, () => {
    cluster.net.heal();
    for (const m of cluster.members) if (!m.node) cluster.restart(m);
    trace.add('all faults healed');
  });
}

/** Splits ids into two groups; sometimes isolates `leader` alone. */
function split(ids: NodeId[], rng: ReturnType<SeededRng['fork']>, leader: NodeId | undefined): NodeId[][] {
  if (leader && rng.chance(0.4)) return [[leader], ids.filter((i) => i !== leader)];
  const shuffled = ids.slice().sort(() => 0);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] as NodeId, shuffled[i] as NodeId];
  }
  const cut = rng.int(1, shuffled.length);
  return [shuffled.slice(0, cut), shuffled.slice(cut)];
}

/** After healing: a leader must emerge and commit a write, applied on every member. */
async function checkProgress(
  cluster: SimCluster,
  vt: VirtualTime,
  operatorDone: () => boolean,
): Promise<string | undefined> {
  const deadline = vt.now + 10_000;
  const members = (): SimMember[] => {
    const conf = cluster.leader()?.node?.status().conf;
    if (!conf) return cluster.members;
    return cluster.members.filter((m) => conf.voters.includes(m.id) || conf.learners.includes(m.id));
  };
  let done = false;
  let index = 0;
  const attempt = async (): Promise<void> => {
    while (!done && vt.now < deadline) {
      const l = cluster.leader();
      if (l?.node) {
        try {
          await l.node.propose(
            encodeKv({ op: 'put', key: 'final', value: 'v', client: 'checker', seq: 1 }),
            2_000,
          );
          index = l.node.status().appliedIndex;
          done = true;
          return;
        } catch {
          // retry below
        }
      }
      await new Promise<void>((r) => vt.after(100, r));
    }
  };
  void attempt();
  for (;;) {
    const fn = vt.next(deadline);
    if (!fn) break;
    fn();
    await settle();
    if (done && operatorDone() && members().every((m) => (m.node?.status().appliedIndex ?? 0) >= index)) {
      return undefined;
    }
  }
  if (!done) {
    return `liveness: no write committed within 10 s after all faults healed (leader: ${cluster.leader()?.id ?? 'none'})`;
  }
  if (!operatorDone())
    return 'liveness: the membership change under way did not finish within 10 s after healing';
  const behind = members()
    .filter((m) => (m.node?.status().appliedIndex ?? 0) < index)
    .map((m) => m.id);
  return `liveness: members ${behind.join(', ')} did not apply index ${index} within 10 s after healing`;
}
