/**
 * The Raft demo (`shoal demo`): a 3-member cluster of real processes on 127.0.0.1, with
 * mutual TLS and fsynced WALs, taken through a leader crash in about ten seconds. Writes
 * go to the leader (a follower redirects), reads are linearizable on any member; then the
 * leader is killed with SIGKILL, a new one takes over, nothing is lost, and the old leader
 * comes back and catches up. Output is for humans, one short line per step.
 */
import type { NodeId } from '../core/types.ts';
import { memberApi } from './client.ts';
import { LocalCluster } from './cluster.ts';
import { fmtMs } from './stats.ts';
import { writeUntilAccepted } from './writer.ts';

export interface DemoOptions {
  /** Where data and logs go (default: a temporary directory, removed at the end). */
  dir?: string;
  /** Cluster size (default 3). */
  members?: number;
  /** Leave the cluster running until Ctrl-C (SIGINT) instead of stopping it at the end. */
  keep?: boolean;
  out: (line: string) => void;
}

const CLIENT = `demo-${process.pid}`;

export async function runDemo(opts: DemoOptions): Promise<void> {
  const { out } = opts;
  const n = opts.members ?? 3;
  let seq = 0;
  const t0 = performance.now();
  const since = (t: number) => fmtMs(performance.now() - t);

  out(`Starting a ${n}-member Raft cluster on 127.0.0.1 (one process per member)...`);
  const cluster = await LocalCluster.create({ ...(opts.dir && { dir: opts.dir }), members: n });
  try {
    for (const m of cluster.members)
      out(`  ${m.id}  raft ${m.raftAddress}  control ${m.url}  log ${m.logFile}`);
    out('  mutual TLS between members, certificates from a throw-away CA (CN = member id)');
    await cluster.start();
    out(`  all ${n} processes up after ${since(t0)}; waiting for an election...`);
    let leader = await cluster.waitForLeader();
    let st = await memberApi.status(cluster.url(leader));
    out(`Leader: ${leader} (term ${st.term}), elected ${since(t0)} after launch`);

    const role = (id: NodeId) => (id === leader ? 'leader' : 'follower');
    const put = async (via: NodeId, key: string, value: string): Promise<void> => {
      const t = performance.now();
      const p = { key, value, client: CLIENT, seq: ++seq };
      let r = await memberApi.put(cluster.url(via), p);
      let path = `${via} (${role(via)})`;
      if (r.status === 421 && r.body.leader) {
        path = `${via} (follower) -> redirected to ${r.body.leader}`;
        r = await memberApi.put(cluster.url(r.body.leader), p);
      }
      if (r.status !== 200) throw new Error(`put ${key} failed: ${r.status} ${r.body.error ?? ''}`);
      out(`  put ${`${key}=${value}`.padEnd(26)} via ${path.padEnd(34)} committed in ${since(t)}`);
    };
    const get = async (via: NodeId, key: string): Promise<string | null> => {
      const t = performance.now();
      const r = await memberApi.get(cluster.url(via), key);
      if (r.status !== 200) throw new Error(`get ${key} on ${via} failed: ${r.status} ${r.body.error ?? ''}`);
      out(
        `  get ${key.padEnd(26)} via ${`${via} (${role(via)})`.padEnd(34)} = ${r.body.value} (${since(t)})`,
      );
      return r.body.value;
    };

    const others = cluster.members.map((m) => m.id).filter((id) => id !== leader);
    const f1 = others[0] as NodeId;
    const f2 = (others[1] ?? f1) as NodeId;
    out('Writes go through the leader; linearizable reads work on any member:');
    await put(leader, 'greeting', 'hello');
    await put(f1, 'color', 'blue');
    await put(f2, 'answer', '42');
    await get(f1, 'greeting');
    await get(f2, 'color');
    await get(leader, 'answer');

    const old = leader;
    out(`Crashing the leader ${old} with SIGKILL (no goodbye, no leadership transfer)...`);
    const tKill = performance.now();
    await cluster.kill(old, 'SIGKILL');
    const accepted = await writeUntilAccepted(
      cluster.members,
      { key: 'after-crash', value: 'still-writable', client: CLIENT, seq: ++seq },
      { intervalMs: 10 },
    );
    const failoverMs = performance.now() - tKill;
    leader = accepted.member;
    st = await memberApi.status(cluster.url(leader));
    out(
      `  new leader: ${leader} (term ${st.term}); first write accepted ${fmtMs(failoverMs)} after the crash`,
    );
    out(`  (measured by a client that retried on every member every 10 ms)`);
    out('Data committed before the crash is intact:');
    const survivors = cluster.members.map((m) => m.id).filter((id) => id !== old);
    await get(survivors[0] as NodeId, 'greeting');
    await get(survivors[survivors.length - 1] as NodeId, 'color');
    await put(leader, 'during-outage', `${old}-is-down`);

    out(`Restarting ${old} (it missed 2 writes while it was down)...`);
    const tUp = performance.now();
    await cluster.restart(old);
    const caught = await cluster.waitCaughtUp(old);
    const s = await memberApi.status(cluster.url(old));
    out(
      `  ${old} is back as a ${s.state} and caught up (index ${caught.index}) ${since(tUp)} after the restart`,
    );
    await get(old, 'during-outage');
    await get(old, 'after-crash');

    if (opts.keep) {
      out(`Cluster running (data in ${cluster.dir}). Try:`);
      out(`  curl ${cluster.url(leader)}/status`);
      out(`  curl -XPOST ${cluster.url(leader)}/put -d '{"key":"k","value":"v","client":"me","seq":1}'`);
      out(`  curl '${cluster.url(old)}/get?key=k'`);
      out('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    out(`Stopping the leader ${leader} gracefully (SIGTERM): it hands leadership over before it exits...`);
    const tStop = performance.now();
    const stopped = leader;
    await cluster.stop(stopped);
    leader = await cluster.waitForLeader(10_000, stopped);
    out(`  ${leader} leads ${since(tStop)} after the signal, without waiting for an election timeout`);
    out('Stopping the cluster...');
  } finally {
    await cluster.shutdown({ keepDir: opts.dir !== undefined });
  }
  out(`Done in ${since(t0)}.`);
}
