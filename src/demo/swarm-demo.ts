/**
 * The swarm demo (`shoal demo`): a local cluster of real `shoal daemon` processes (three
 * managers and one worker on 127.0.0.2-5), formed through the Engine API exactly as
 * `docker swarm init` / `docker swarm join` would, then a replicated service deployed on
 * it and followed until every replica runs. The cluster stays up (Ctrl-C stops it) so the
 * docker CLI can be pointed at it; `exit: true` stops it once the service converged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from '../api/node.ts';
import type { Task } from '../api/task.ts';
import { renderListing } from '../cli/format/listing.ts';
import { nodeListing } from '../cli/printers/nodes.ts';
import { taskListing } from '../cli/printers/tasks.ts';
import type { DaemonHandle } from './daemons.ts';
import { LocalDaemons } from './daemons.ts';
import { demoService } from './service.ts';

export interface SwarmDemoOptions {
  dir?: string;
  managers?: number;
  workers?: number;
  replicas?: number;
  executor?: string;
  /** Stop the cluster once the service runs (default: keep it until SIGINT/SIGTERM). */
  exit?: boolean;
  out: (line: string) => void;
}

/**
 * Tasks outlive their daemon (a restarted daemon adopts them), so the demo removes its
 * service and waits for the tasks to stop before it stops the daemons.
 */
async function removeService(d: DaemonHandle | undefined): Promise<void> {
  if (!d?.proc) return;
  try {
    await d.engine.call('DELETE', '/services/web');
  } catch {
    return; // no swarm or no service: nothing runs
  }
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    try {
      const tasks = await d.engine.get<Array<{ Status: { State: string } }>>('/tasks');
      if (tasks.length === 0) return;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What a node's published port answers (retrying while the mesh learns the tasks). */
async function meshAnswer(host: string, port: number): Promise<string> {
  let last = '';
  for (let i = 0; i < 50; i++) {
    last = await new Promise<string>((resolve) => {
      const r = request({ host, port, path: '/', agent: false, timeout: 2_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve(body.trim()));
      });
      r.on('timeout', () => r.destroy(new Error('timed out')));
      r.on('error', (e) => resolve(`error: ${e.message}`));
      r.end();
    });
    if (!last.startsWith('error')) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

interface SwarmInfo {
  JoinTokens: { Worker: string; Manager: string };
}

export async function runSwarmDemo(opts: SwarmDemoOptions): Promise<void> {
  const { out } = opts;
  const managers = opts.managers ?? 3;
  const workers = opts.workers ?? 1;
  const replicas = opts.replicas ?? 3;
  const executor = opts.executor ?? 'process';
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'shoal-demo-'));
  const t0 = performance.now();
  const secs = (t: number) => `${((performance.now() - t) / 1000).toFixed(2)} s`;

  const cluster = new LocalDaemons({ dir, count: managers + workers, executor });
  out(
    `Starting ${managers + workers} shoal daemons (${managers} managers, ${workers} worker${workers === 1 ? '' : 's'}, executor "${executor}") in ${dir}`,
  );
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    out('Stopping the cluster...');
    await removeService(cluster.daemons[0]);
    await cluster.stop();
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await cluster.start();
    const [first, ...rest] = cluster.daemons as [DaemonHandle, ...DaemonHandle[]];
    out(`  all daemons answer on their API sockets after ${secs(t0)}`);

    let t = performance.now();
    const nodeId = await first.engine.post<string>('/swarm/init', {
      ListenAddr: first.addr,
      AdvertiseAddr: first.addr,
    });
    out(`swarm init on ${first.name} (${first.addr}): node ${nodeId} is the leader, ${secs(t)}`);
    const swarm = await first.engine.get<SwarmInfo>('/swarm');
    for (const [i, d] of rest.entries()) {
      const role = i < managers - 1 ? 'manager' : 'worker';
      t = performance.now();
      await d.engine.post('/swarm/join', {
        ListenAddr: d.addr,
        AdvertiseAddr: d.addr,
        RemoteAddrs: [first.addr],
        JoinToken: role === 'manager' ? swarm.JoinTokens.Manager : swarm.JoinTokens.Worker,
      });
      out(`swarm join on ${d.name} (${d.addr}) as a ${role}: ${secs(t)}`);
    }

    t = performance.now();
    const created = await first.engine.post<{ ID: string }>(
      '/services/create',
      demoService(replicas, executor),
    );
    out(`service create web --replicas ${replicas}: ${created.ID}`);
    let last = '';
    for (;;) {
      const tasks = await first.engine.get<Array<{ Status: { State: string }; DesiredState: string }>>(
        `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: ['web'], 'desired-state': ['running'] }))}`,
      );
      const running = tasks.filter((x) => x.Status.State === 'running').length;
      const line = `  overall progress: ${running} out of ${replicas} tasks running`;
      if (line !== last) out(line);
      last = line;
      if (running === replicas) break;
      if (performance.now() - t > 60_000) throw new Error('the service did not converge in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    out(`  converged in ${secs(t)}`);
    if (executor === 'process') {
      out('');
      out('The routing mesh: port 8080 answers on every node, whichever runs a task:');
      for (const d of cluster.daemons) {
        const host = d.addr.slice(0, d.addr.lastIndexOf(':'));
        out(`  curl http://${host}:8080/  ->  ${await meshAnswer(host, 8080)}`);
      }
    }
    out('');
    // The same tables as `shoal node ls` and `shoal service ps web`.
    const nodes = await first.engine.get<Node[]>('/nodes');
    for (const l of renderListing(nodeListing(nodes, nodeId), {}).trimEnd().split('\n')) out(l);
    out('');
    const tasks = await first.engine.get<Task[]>(
      `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: ['web'], 'desired-state': ['running'] }))}`,
    );
    const names = {
      nodes: new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID])),
      services: new Map([[created.ID, 'web']]),
    };
    const listing = taskListing(tasks, names, { trunc: true, now: Date.now() });
    for (const l of renderListing(listing, {}).trimEnd().split('\n')) out(l);
    out('');
    out('The cluster is running. From another terminal, with the docker CLI:');
    out(`  export DOCKER_HOST=unix://${first.socket}`);
    out('  docker node ls; docker service ps web; docker service scale web=5');
    out(`Daemon logs: ${dir}/node*.log`);
    if (opts.exit) return;
    out('Ctrl-C stops the cluster.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  } finally {
    await stop();
  }
}
