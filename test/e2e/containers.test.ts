/**
 * Real containers on a 3-node swarm (issues 6 and 7): three `shoal daemon`s on 127.0.0.60,
 * .61, .62, each with `--executor docker` on ONE shared private dockerd
 * (test/support/dockerd.ts), its own `--mesh-addr`, driven by the docker CLI.
 *
 *   n1 127.0.0.60 (manager)   n2 .61 (worker)   n3 .62 (worker)
 *        └──────────────┬──────────┘                │
 *                  private dockerd (containers labelled io.shoal.node=<node id>,
 *                  on the engine's own bridge network `shoal-test`)
 *
 * Issue 6: a 6-replica web service, every container's page fetched (at its own address and
 * through the mesh); an image update with parallelism 2 changes every page; a health check
 * that starts failing fails the task and it is replaced; `service logs` has every task;
 * a secret is readable inside its container and nowhere on disk; kill -9 a daemon and
 * restart it: no duplicate containers.
 * Issue 7: a 2-replica web service on n1 and n2 answers on n3; 100 requests per node spread
 * over both tasks; a container killed, one second later no request fails; scaled to 0,
 * connections refused at once; UDP through the mesh (a busybox container running this
 * machine's node binary, bind-mounted: busybox has no UDP server applet); host mode only on
 * its own node.
 *
 * Cluster port 24600; published ports 24601..24609 on the nodes' addresses.
 * The engine is shared by the file; SHOAL_REQUIRE_DOCKER=1 makes a missing engine an error.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IMAGES, type TestEngine, testEngine } from '../support/dockerd.ts';
import {
  type DaemonNode,
  e2eUnavailable,
  formSwarm,
  Harness,
  installHooks,
  sleep,
  waitAllReady,
  waitFor,
} from './harness.ts';

const FIRST_HOST = 60;
const IPS = ['127.0.0.60', '127.0.0.61', '127.0.0.62'] as const;
const PORT = { web: 24601, mesh: 24602, udp: 24603, host: 24604, health: 24605, secret: 24606 } as const;

const unavailable = e2eUnavailable();
const engineOrSkip = unavailable ? { skip: unavailable } : await testEngine();
const skip = engineOrSkip.skip;

// ---- small clients ------------------------------------------------------------------------

function get(host: string, port: number, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = request({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve(body.trim()));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error('timed out')));
    r.on('error', reject);
    r.end();
  });
}

function udp(host: string, port: number, msg: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('no UDP answer'));
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString());
    });
    s.send(msg, port, host);
  });
}

/** GET on a daemon's API socket (JSON). */
function api<T>(n: DaemonNode, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: n.sock, path, method: 'GET', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () =>
        (res.statusCode ?? 500) < 300
          ? resolve(JSON.parse(body) as T)
          : reject(new Error(`${path}: ${res.statusCode} ${body}`)),
      );
    });
    r.on('error', reject);
    r.end();
  });
}

interface TaskInfo {
  ID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
}

function tasksOf(n: DaemonNode, service: string): Promise<TaskInfo[]> {
  const f = encodeURIComponent(JSON.stringify({ service: [service] }));
  return api<TaskInfo[]>(n, `/tasks?filters=${f}`);
}

async function runningTasks(n: DaemonNode, service: string): Promise<TaskInfo[]> {
  return (await tasksOf(n, service)).filter(
    (t) => t.Status.State === 'running' && t.DesiredState === 'running',
  );
}

// ---- the engine's view ----------------------------------------------------------------------

interface Box {
  id: string;
  name: string;
  taskId: string;
  nodeId: string;
  running: boolean;
  ip: string | undefined;
}

async function containersOf(engine: TestEngine, service?: string): Promise<Box[]> {
  const label = service ? [`com.docker.swarm.service.name=${service}`] : ['com.docker.swarm.task.id'];
  const list = await engine.docker.listContainers({ all: true, filters: { label } });
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    taskId: c.Labels['com.docker.swarm.task.id'] ?? '',
    nodeId: c.Labels['com.docker.swarm.node.id'] ?? '',
    running: c.State === 'running',
    ip: Object.values(c.NetworkSettings?.Networks ?? {}).find((x) => x.IPAddress)?.IPAddress,
  }));
}

/** Runs a command in a container through the engine (docker exec); its stdout. */
async function engineExec(engine: TestEngine, id: string, cmd: string[]): Promise<string> {
  const exec = await engine.docker
    .getContainer(id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  return demux(Buffer.concat(chunks));
}

/** The engine's multiplexed exec stream (8-byte frame headers) as text. */
function demux(b: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= b.length) {
    const len = b.readUInt32BE(i + 4);
    out += b.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return out;
}

/** Every regular file under `dir` containing `needle` (sockets, mounts' devices skipped). */
function filesContaining(dir: string, needle: Buffer): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 256 << 20) {
        try {
          if (readFileSync(p).includes(needle)) hits.push(p);
        } catch {
          // unreadable (gone meanwhile)
        }
      }
    }
  };
  walk(dir);
  return hits;
}

/** Bind mounts that let a busybox container run this machine's node (for a UDP server). */
function nodeMounts(): string[] {
  const bin = realpathSync(process.execPath);
  const dirs = ['/lib', '/lib64', '/usr/lib', '/usr/lib64'].filter((d) => existsSync(d));
  const out = [`type=bind,source=${bin},target=/opt/node/node,readonly`];
  for (const d of dirs) out.push(`type=bind,source=${realpathSync(d)},target=${d},readonly`);
  return out;
}

const UDP_ECHO = `const s=require('node:dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(Buffer.concat([Buffer.from(process.env.TASK+': '),m]),r.port,r.address));s.bind(9);process.on('SIGTERM',()=>process.exit(0));`;

/** A page naming the task, served by busybox httpd (the image's own page names the version). */
const TASK_PAGE = `mkdir -p /tmp/www && echo "$TASK" > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www`;

// ---- the suite --------------------------------------------------------------------------------

describe('real containers on three daemons sharing one engine', { skip: skip ?? false }, () => {
  const engine = engineOrSkip.engine as TestEngine;
  const h = new Harness({ name: 'containers', port: 24600, firstHost: FIRST_HOST });
  let n1: DaemonNode;
  let n2: DaemonNode;
  let n3: DaemonNode;
  const nodeIdOf = new Map<string, string>(); // node name -> id
  const nameOf = new Map<string, string>(); // node id -> name

  before(async () => {
    const nodes = ['n1', 'n2', 'n3'].map((name, i) =>
      h.node(name, {
        args: [
          '--executor',
          'docker',
          '--docker-host',
          engine.host,
          '--docker-network',
          engine.network,
          '--mesh-addr',
          IPS[i] as string,
        ],
      }),
    );
    await Promise.all(nodes.map((n) => n.start()));
    [n1, n2, n3] = nodes as [DaemonNode, DaemonNode, DaemonNode];
    await formSwarm(n1, [], [n2, n3]);
    const rows = await waitAllReady(n1, 3);
    for (const r of rows) {
      nodeIdOf.set(r.Hostname, r.ID);
      nameOf.set(r.ID, r.Hostname);
    }
  });

  // Registered before installHooks' after(): services leave while the daemons still run
  // (their secrets leave the tmpfs with them); then the daemons are killed; then the engine.
  after(async () => {
    for (const s of ['web', 'logger', 'sick', 'secretive', 'mweb', 'echo', 'pinned'])
      await n1?.docker(['service', 'rm', s]).catch(() => undefined);
    await waitFor('no task container left', async () => (await containersOf(engine)).length === 0, {
      timeoutMs: 30_000,
    }).catch(() => undefined);
  });
  installHooks(h);
  after(async () => {
    for (const c of await containersOf(engine).catch(() => []))
      await engine.docker
        .getContainer(c.id)
        .remove({ force: true })
        .catch(() => undefined);
    for (const id of nodeIdOf.values()) rmSync(join('/dev/shm/shoal', id), { recursive: true, force: true });
    await engine.stop();
  });

  const create = (args: string[]) => n1.ok(['service', 'create', '-d', '--no-resolve-image', ...args]);

  /** Waits for `n` running tasks (and as many running containers) of a service. */
  const converged = (service: string, n: number, timeoutMs = 60_000) =>
    waitFor(
      `${service}: ${n} running tasks and containers`,
      async () => {
        const tasks = await runningTasks(n1, service);
        const boxes = (await containersOf(engine, service)).filter((b) => b.running);
        return tasks.length === n && boxes.length === n ? { tasks, boxes } : undefined;
      },
      { timeoutMs },
    );

  // ---- issue 6 ----

  it('a 6-replica web service: every container serves its page, at its address and through the mesh', async () => {
    await create(['--name', 'web', '--replicas', '6', '-p', `${PORT.web}:80`, IMAGES.web1]);
    const { tasks, boxes } = await converged('web', 6);
    assert.equal(new Set(tasks.map((t) => t.NodeID)).size, 3, 'tasks on all three nodes');
    // Each container's own page, at its address on the engine's network.
    for (const b of boxes) {
      assert.ok(b.ip, `${b.name} has an address`);
      assert.equal(await get(b.ip as string, 80), IMAGES.web1, b.name);
      assert.match(b.name, /^web\.[1-6]\.[0-9a-z]{25}$/);
    }
    // Through the mesh on every node.
    for (const ip of IPS)
      assert.equal(await waitFor(`mesh on ${ip}`, () => get(ip, PORT.web)), IMAGES.web1, `mesh on ${ip}`);
  });

  it('service update --image with parallelism 2: every page changes version', async () => {
    await n1.ok([
      'service',
      'update',
      '-d',
      '--no-resolve-image',
      '--image',
      IMAGES.web2,
      '--update-parallelism',
      '2',
      'web',
    ]);
    // Never more than 2 tasks down at once, and the update ends with 6 new containers.
    let minRunning = 6;
    await waitFor(
      'every page at version 2',
      async () => {
        const boxes = (await containersOf(engine, 'web')).filter((b) => b.running);
        minRunning = Math.min(minRunning, boxes.length);
        if (boxes.length !== 6) return undefined;
        const pages = await Promise.all(boxes.map((b) => get(b.ip as string, 80).catch(() => '')));
        return pages.every((p) => p === IMAGES.web2) ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    assert.ok(minRunning >= 4, `at most 2 tasks updated at once (saw ${minRunning} running)`);
    for (const ip of IPS)
      assert.equal(
        await waitFor(`mesh on ${ip} at :2`, async () =>
          (await get(ip, PORT.web)) === IMAGES.web2 ? IMAGES.web2 : undefined,
        ),
        IMAGES.web2,
      );
  });

  it('service logs shows lines from every task', async () => {
    // busybox httpd logs nothing without -v: a service that prints its task's name does.
    await create([
      '--name',
      'logger',
      '--replicas',
      '3',
      '--env',
      'TASK={{.Task.Name}}',
      IMAGES.busybox,
      'sh',
      '-c',
      'echo "hello from $TASK"; exec sleep 3600',
    ]);
    const { boxes } = await converged('logger', 3);
    const out = await waitFor('3 tasks in service logs', async () => {
      const r = await n1.docker(['service', 'logs', '--raw', 'logger']);
      const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.startsWith('hello from'));
      if (lines.length < 3) throw new Error(`exit ${r.code}: ${r.stdout}${r.stderr}`.slice(0, 2_000));
      return lines;
    });
    for (const b of boxes)
      assert.ok(
        out.some((l) => l === `hello from ${b.name}`),
        `a line from ${b.name} in:\n${out.join('\n')}`,
      );
    // Default format: prefixed with the task's name and node.
    const pretty = await n1.ok(['service', 'logs', 'logger']);
    assert.equal(
      pretty.split('\n').filter((l) => /^logger\.[1-3]\.\S+@n[1-3]\s+\| hello from/.test(l)).length,
      3,
      pretty,
    );
    await n1.ok(['service', 'rm', 'logger']);
  });

  it('a health check that starts failing: the task FAILS and is replaced', async () => {
    await create([
      '--name',
      'sick',
      '--replicas',
      '1',
      '--health-cmd',
      'test -f /tmp/ok',
      '--health-interval',
      '500ms',
      '--health-retries',
      '1',
      '--health-timeout',
      '2s',
      '--restart-delay',
      '200ms',
      IMAGES.busybox,
      'sh',
      '-c',
      'touch /tmp/ok; exec sleep 3600',
    ]);
    const { tasks, boxes } = await converged('sick', 1);
    const [first] = tasks;
    const [box] = boxes;
    assert.ok(first && box);
    const health = (await engine.docker.getContainer(box.id).inspect()).State.Health?.Status;
    assert.equal(health, 'healthy', 'RUNNING only once healthy');
    await engineExec(engine, box.id, ['rm', '/tmp/ok']);
    const failed = await waitFor('the first task FAILED', async () => {
      const t = (await tasksOf(n1, 'sick')).find((x) => x.ID === first.ID);
      return t?.Status.State === 'failed' ? t : undefined;
    });
    assert.match(failed.Status.Err ?? '', /unhealthy/i);
    const { tasks: now } = await converged('sick', 1);
    assert.notEqual(now[0]?.ID, first.ID, 'a new task replaced it');
    await n1.ok(['service', 'rm', 'sick']);
  });

  it('a secret is readable inside its container and nowhere on disk', async () => {
    const marker = `shoal-containers-secret-${randomBytes(16).toString('hex')}`;
    await n1.ok(['secret', 'create', 'x', '-'], { input: marker });
    await create([
      '--name',
      'secretive',
      '--replicas',
      '2',
      '--secret',
      'x',
      '--constraint',
      'node.hostname!=n1',
      IMAGES.busybox,
      'sleep',
      '3600',
    ]);
    const { boxes } = await converged('secretive', 2);
    for (const b of boxes) assert.equal(await engineExec(engine, b.id, ['cat', '/run/secrets/x']), marker);
    const needle = Buffer.from(marker);
    assert.deepEqual(filesContaining(h.root, needle), [], 'not under the daemons’ directories');
    if (engine.dataRoot)
      assert.deepEqual(filesContaining(engine.dataRoot, needle), [], 'not under the engine’s data root');
    await n1.ok(['service', 'rm', 'secretive']);
    await waitFor(
      'secretive containers gone',
      async () => (await containersOf(engine, 'secretive')).length === 0,
    );
    await n1.ok(['secret', 'rm', 'x']);
  });

  it('kill -9 a daemon and restart it: its containers are adopted, none duplicated', async () => {
    const before = (await containersOf(engine, 'web')).filter((b) => b.running);
    const onN2 = before.filter((b) => b.nodeId === nodeIdOf.get('n2'));
    assert.ok(onN2.length > 0, 'n2 runs tasks of web');
    await n2.kill();
    await sleep(1_000);
    await n2.start();
    await waitAllReady(n1, 3);
    await converged('web', 6);
    // Give the restarted agent time to do anything wrong.
    await sleep(3_000);
    const all = await containersOf(engine);
    const perTask = new Map<string, number>();
    for (const b of all) perTask.set(b.taskId, (perTask.get(b.taskId) ?? 0) + 1);
    const dups = [...perTask].filter(([, n]) => n > 1);
    assert.deepEqual(dups, [], 'one container per task');
    const after = (await containersOf(engine, 'web')).filter((b) => b.running);
    assert.equal(after.length, 6);
    // The same containers (adopted, not restarted).
    for (const b of onN2)
      assert.ok(
        after.some((a) => a.id === b.id),
        `${b.name} kept running`,
      );
    await n1.ok(['service', 'rm', 'web']);
    await waitFor('web containers gone', async () => (await containersOf(engine, 'web')).length === 0);
  });

  // ---- issue 7 ----

  it('mesh: a 2-replica service on n1 and n2 answers on n3, 100 requests per node spread over both', async () => {
    await create([
      '--name',
      'mweb',
      '--replicas',
      '2',
      '--constraint',
      'node.hostname!=n3',
      '--env',
      'TASK={{.Task.Name}}',
      '--stop-grace-period',
      '1s',
      '-p',
      `${PORT.mesh}:80`,
      IMAGES.web1,
      'sh',
      '-c',
      TASK_PAGE,
    ]);
    const { tasks, boxes } = await converged('mweb', 2);
    assert.deepEqual(new Set(tasks.map((t) => nameOf.get(t.NodeID ?? ''))), new Set(['n1', 'n2']));
    const names = new Set(boxes.map((b) => b.name));
    await waitFor('n3 answers', async () => names.has(await get(IPS[2], PORT.mesh)));
    for (const ip of IPS) {
      const seen = new Map<string, number>();
      for (let i = 0; i < 100; i++) {
        const body = await get(ip, PORT.mesh);
        seen.set(body, (seen.get(body) ?? 0) + 1);
      }
      assert.deepEqual(new Set(seen.keys()), names, `${ip}: ${[...seen].join(' | ')}`);
      for (const [body, n] of seen) assert.ok(n >= 40, `${ip}: ${n} of 100 to ${body}`);
    }
  });

  it('mesh: a container killed on the engine, one second later no request fails', async () => {
    const [victim] = (await containersOf(engine, 'mweb')).filter((b) => b.running);
    assert.ok(victim);
    await engine.docker.getContainer(victim.id).kill();
    await sleep(1_000);
    let failed = 0;
    const errors = new Set<string>();
    for (let i = 0; i < 100; i++) {
      try {
        await get(IPS[i % 3] as string, PORT.mesh);
      } catch (e) {
        failed++;
        errors.add((e as Error).message);
      }
    }
    assert.equal(failed, 0, [...errors].join('; '));
    await converged('mweb', 2);
  });

  it('mesh: scaled to 0, connections are refused at once', async () => {
    await n1.ok(['service', 'scale', '-d', 'mweb=0']);
    await waitFor('no mweb container running', async () =>
      (await containersOf(engine, 'mweb')).every((b) => !b.running),
    );
    await waitFor(
      'refused at once on every node',
      async () => {
        for (const ip of IPS) {
          const t0 = Date.now();
          const err = await get(ip, PORT.mesh, 2_000).then(
            () => undefined,
            (e: Error) => e,
          );
          if (!err || err.message === 'timed out' || Date.now() - t0 > 500) return undefined;
        }
        return true;
      },
      { timeoutMs: 5_000 },
    );
  });

  it('mesh: a UDP echo container answers through the mesh on every node', async () => {
    const mounts = nodeMounts();
    await create([
      '--name',
      'echo',
      '--replicas',
      '1',
      '--env',
      'TASK={{.Task.Name}}',
      ...mounts.flatMap((m) => ['--mount', m]),
      '-p',
      `${PORT.udp}:9/udp`,
      IMAGES.busybox,
      '/opt/node/node',
      '-e',
      UDP_ECHO,
    ]);
    const { boxes } = await converged('echo', 1);
    const name = boxes[0]?.name ?? '';
    for (const ip of IPS) {
      const answer = await waitFor(`UDP on ${ip}`, () => udp(ip, PORT.udp, `ping ${ip}`));
      assert.equal(answer, `${name}: ping ${ip}`);
    }
  });

  it('host mode: the published port answers on its own node only', async () => {
    await create([
      '--name',
      'pinned',
      '--replicas',
      '1',
      '--constraint',
      'node.hostname==n2',
      '--publish',
      `mode=host,published=${PORT.host},target=80`,
      IMAGES.web1,
    ]);
    await converged('pinned', 1);
    assert.equal(await waitFor('n2 answers', () => get(IPS[1], PORT.host)), IMAGES.web1);
    for (const ip of [IPS[0], IPS[2]])
      await assert.rejects(get(ip, PORT.host, 1_000), `${ip} must not answer`);
    const [t] = await runningTasks(n1, 'pinned');
    const raw = await n1.ok(['inspect', '--type', 'task', t?.ID ?? '']);
    const [task] = JSON.parse(raw) as Array<{
      Status: { PortStatus?: { Ports?: Array<{ PublishedPort: number; PublishMode: string }> } };
    }>;
    assert.deepEqual(
      task?.Status.PortStatus?.Ports?.map((p) => [p.PublishMode, p.PublishedPort]),
      [['host', PORT.host]],
      'the host port in the task’s PortStatus',
    );
  });
});
