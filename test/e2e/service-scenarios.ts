/**
 * The proof tier for services, networks, secrets, configs, stacks and events: one set of
 * scenarios run against a real 3-node Shoal cluster (1 manager + 2 workers, then a fourth
 * node that joins, leaves and is removed) by either CLI — the real `docker` (services.test.ts)
 * or `./bin/shoal` (shoal-cli.test.ts) — with the same arguments and the same expectations.
 *
 *   m1 127.0.0.2 (manager)   w1 .3, w2 .4 (workers)   x1 .5 (joins, leaves, is removed)
 *
 * The daemons run `--executor process`: tasks are real host processes (the `busybox` image
 * runs its arguments, e.g. `node -e ...`). Each node's routing mesh listens on its own
 * address only (`--mesh-addr`), so a published port answers on every node's address.
 * Published ports are derived from the file's cluster port, so files can run side by side.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAlive, signalGroup } from '../../src/executor/process/proc.ts';
import {
  type DaemonNode,
  DOCKER_BIN,
  e2eUnavailable,
  Harness,
  installHooks,
  REPO,
  type Run,
  SHOAL_BIN,
  sleep,
  waitFor,
} from './harness.ts';

export type CliName = 'docker' | 'shoal';

export interface ScenarioOptions {
  /** Which CLI drives the cluster. */
  cli: CliName;
  /** Names the harness' temp dir. */
  name: string;
  /** The cluster port (unique per file); published ports are derived from it. */
  port: number;
  /** More tests run inside the same describe, after the scenarios, on the same cluster. */
  more?: (ctx: ScenarioContext) => void;
}

export interface ScenarioContext {
  readonly h: Harness;
  readonly m1: DaemonNode;
  readonly w1: DaemonNode;
  readonly w2: DaemonNode;
  /** Runs the chosen CLI against `n`. */
  cli(n: DaemonNode, args: string[], opts?: CliOpts): Promise<Run>;
  /** The same, which must succeed; returns stdout. */
  ok(n: DaemonNode, args: string[], opts?: CliOpts): Promise<string>;
}

interface CliOpts {
  input?: string;
  timeoutMs?: number;
  cwd?: string;
}

export const NOT_A_MANAGER =
  "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.";

/** The task program of the `web` service: prints a line, then answers HTTP with what it sees. */
export const WEB_SERVER = [
  "const http = require('http'); const fs = require('fs'); const path = require('path');",
  "const read = (dir, f) => { try { return fs.readFileSync(path.join(dir || '', f), 'utf8'); } catch (e) { return 'ERR:' + e.code; } };",
  "console.log('hello from ' + process.env.SHOAL_TASK_NAME + ' on ' + process.env.SHOAL_NODE_HOSTNAME);",
  'http.createServer((q, r) => r.end(JSON.stringify({ task: process.env.SHOAL_TASK_NAME, node: process.env.SHOAL_NODE_HOSTNAME,',
  "  greeting: process.env.GREETING, secret: read(process.env.SHOAL_SECRETS_DIR, 'pw'), config: read(process.env.SHOAL_CONFIGS_DIR, 'app.conf') })))",
  '  .listen(Number(process.env.PORT));',
].join('\n');

/** Runs `./bin/shoal` with SHOAL_HOST pointing at `n` (DOCKER_HOST removed). */
export function runShoal(n: DaemonNode, args: string[], opts: CliOpts = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, SHOAL_HOST: n.host };
  delete env.DOCKER_HOST;
  return new Promise((res) => {
    const child = execFile(
      process.execPath,
      [SHOAL_BIN, ...args],
      {
        env,
        cwd: opts.cwd ?? REPO,
        timeout: opts.timeoutMs ?? 90_000,
        maxBuffer: 16 << 20,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        res({ code, stdout, stderr });
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

/** Runs the docker CLI in `cwd` (the harness' runner has no cwd option). */
function runDockerIn(n: DaemonNode, args: string[], opts: CliOpts): Promise<Run> {
  if (opts.cwd === undefined) return n.docker(args, opts);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: n.host,
    DOCKER_CONFIG: n.harness.dockerConfig,
    DOCKER_CLI_HINTS: 'false',
  };
  for (const k of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION'])
    delete env[k];
  return new Promise((res) => {
    const child = execFile(
      DOCKER_BIN,
      args,
      { env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) =>
        res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

// ---- the Engine API, raw -------------------------------------------------------------------

export interface ApiAnswer {
  status: number;
  body: string;
}

/** One HTTP request to a daemon's API socket. */
export function api(n: DaemonNode, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath: n.sock,
        path,
        method,
        headers: data === undefined ? {} : { 'Content-Type': 'application/json' },
        timeout: 15_000,
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', rej);
      },
    );
    req.on('error', rej);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(data);
  });
}

/** GET a URL over TCP; the body, or undefined on any error. */
export function httpGet(host: string, port: number): Promise<string | undefined> {
  return new Promise((res) => {
    const req = request({ host, port, path: '/', timeout: 3_000, agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
      r.on('error', () => res(undefined));
    });
    req.on('error', () => res(undefined));
    req.on('timeout', () => {
      req.destroy();
      res(undefined);
    });
    req.end();
  });
}

// ---- leftovers -----------------------------------------------------------------------------

/**
 * The process executor leaves task processes running when its daemon dies (they are adopted
 * by the next daemon on the same data dir), and their secrets on the RAM tmpfs. After the
 * daemons are killed, kill every task's process group still alive, identified by its
 * state.json (PID and start time), and remove its secrets folder.
 */
export function killTaskProcesses(h: Harness): number {
  let killed = 0;
  for (const n of h.nodes) {
    const dir = join(n.dataDir, 'tasks');
    if (!existsSync(dir)) continue;
    for (const id of readdirSync(dir)) {
      try {
        const st = JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8')) as {
          pid?: number;
          startTime?: string;
          env?: string[];
        };
        if (st.pid !== undefined && isAlive(st.pid, st.startTime) && signalGroup(st.pid, 'SIGKILL')) killed++;
        const secrets = st.env
          ?.find((e) => e.startsWith('SHOAL_SECRETS_DIR='))
          ?.slice('SHOAL_SECRETS_DIR='.length);
        if (secrets?.endsWith(id)) rmSync(secrets, { recursive: true, force: true });
      } catch {
        // no state yet, or already gone
      }
    }
  }
  return killed;
}

/** The task folders the process executor keeps on `n`. */
export function taskFolders(n: DaemonNode): string[] {
  const dir = join(n.dataDir, 'tasks');
  return existsSync(dir) ? readdirSync(dir) : [];
}

// ---- parsing -------------------------------------------------------------------------------

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l.trim() !== '');
}

function jsonLines<T>(s: string): T[] {
  return lines(s).map((l) => JSON.parse(l) as T);
}

interface TaskRow {
  name: string;
  node: string;
  desired: string;
  current: string;
}

// ---- the scenarios -------------------------------------------------------------------------

export function serviceScenarios(o: ScenarioOptions): void {
  const skip = e2eUnavailable();
  const title = `services, networks, secrets, configs and stacks on a real cluster through the ${o.cli} CLI`;
  describe(title, { skip: skip ?? false }, () => {
    const h = new Harness({ name: o.name, port: o.port });
    const published = o.port + 80;
    const published2 = o.port + 81;
    let m1: DaemonNode;
    let w1: DaemonNode;
    let w2: DaemonNode;
    let workDir = '';
    const ids = new Map<string, string>();
    /** The time (Unix seconds) before anything happened, for `docker events --since`. */
    let t0 = 0;

    const node = (name: string, ip: number): DaemonNode =>
      h.node(name, { args: ['--executor', 'process', '--mesh-addr', `127.0.0.${ip}`] });

    const cli = (n: DaemonNode, args: string[], opts: CliOpts = {}): Promise<Run> =>
      o.cli === 'docker' ? runDockerIn(n, args, opts) : runShoal(n, args, opts);
    const ok = async (n: DaemonNode, args: string[], opts: CliOpts = {}): Promise<string> => {
      const r = await cli(n, args, opts);
      if (r.code !== 0)
        throw new Error(`[${n.name}] ${o.cli} ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    /** A command that must fail; returns stderr+stdout. */
    const fails = async (n: DaemonNode, args: string[], opts: CliOpts = {}): Promise<string> => {
      const r = await cli(n, args, opts);
      assert.notEqual(r.code, 0, `${o.cli} ${args.join(' ')} should have failed:\n${r.stdout}`);
      return r.stderr + r.stdout;
    };
    const inspect = async <T = Record<string, unknown>>(kind: string, ref: string): Promise<T> =>
      JSON.parse(await ok(m1, [kind, 'inspect', ref, '--format', '{{json .}}'])) as T;
    const tasks = async (service: string, all = false): Promise<TaskRow[]> => {
      const args = [
        'service',
        'ps',
        service,
        '--no-trunc',
        '--format',
        '{{.Name}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}',
      ];
      if (!all) args.splice(3, 0, '--filter', 'desired-state=running');
      return lines(await ok(m1, args)).map((l) => {
        const [name = '', nodeName = '', desired = '', current = ''] = l.split('\t');
        return { name: name.trim(), node: nodeName, desired, current };
      });
    };
    const waitRunning = (service: string, count: number, timeoutMs = 60_000): Promise<TaskRow[]> =>
      waitFor(
        `${count} running tasks of ${service}`,
        async () => {
          const ts = await tasks(service);
          return ts.length === count && ts.every((t) => t.current.startsWith('Running')) ? ts : undefined;
        },
        { timeoutMs },
      );
    const serviceNames = async (): Promise<string[]> =>
      lines(await ok(m1, ['service', 'ls', '--format', '{{.Name}}'])).sort();

    // Kill the daemons first (so nothing restarts a task), then the tasks they left.
    after(async () => {
      await Promise.all(h.nodes.map((n) => n.kill().catch(() => undefined)));
      killTaskProcesses(h);
    });
    installHooks(h);

    before(async () => {
      t0 = Math.floor(Date.now() / 1000) - 1;
      m1 = node('m1', 2);
      w1 = node('w1', 3);
      w2 = node('w2', 4);
      await Promise.all([m1.start(), w1.start(), w2.start()]);
      workDir = join(h.root, 'work');
      mkdirSync(workDir, { recursive: true });
    });

    it(`${o.cli} swarm init / join-token / join: 1 manager and 2 workers`, async () => {
      const init = await ok(m1, ['swarm', 'init']);
      assert.match(init, /Swarm initialized: current node \(\w+\) is now a manager\./);
      const token = (await ok(m1, ['swarm', 'join-token', '-q', 'worker'])).trim();
      assert.match(token, /^SWMTKN-1-/);
      for (const w of [w1, w2]) {
        const out = await ok(w, ['swarm', 'join', '--token', token, m1.addr]);
        assert.match(out, /This node joined a swarm as a worker\./);
      }
      await waitFor('3 Ready nodes', async () => {
        const rows = jsonLines<{ Hostname: string; Status: string; ID: string }>(
          await ok(m1, ['node', 'ls', '--format', '{{json .}}']),
        );
        if (rows.length !== 3 || !rows.every((r) => r.Status === 'Ready')) return undefined;
        for (const r of rows) ids.set(r.Hostname, r.ID);
        return rows;
      });
    });

    it(`${o.cli} info: swarm active, 1 manager, 3 nodes; a worker is no manager`, async () => {
      const out = await ok(m1, ['info']);
      assert.match(out, /Swarm: active/);
      assert.match(out, /Is Manager: true/);
      assert.match(out, /Managers: 1\n/);
      assert.match(out, /Nodes: 3\n/);
      assert.match(out, new RegExp(`NodeID: ${ids.get('m1')}`));
      const wi = await ok(w1, ['info']);
      assert.match(wi, /Swarm: active/);
      assert.match(wi, /Is Manager: false/);
    });

    it(`${o.cli} node ls / inspect --pretty / promote / demote / rm`, async () => {
      const table = await ok(m1, ['node', 'ls']);
      assert.match(table, /^ID\s+HOSTNAME\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS\s+ENGINE VERSION/);
      assert.match(table, new RegExp(`${ids.get('m1')} \\*\\s+m1\\s+Ready\\s+Active\\s+Leader`));
      assert.match(table, new RegExp(`${ids.get('w1')}\\s+w1\\s+Ready\\s+Active\\s`));
      const pretty = await ok(m1, ['node', 'inspect', '--pretty', 'w1']);
      assert.match(pretty, new RegExp(`^ID:\\s+${ids.get('w1')}$`, 'm'));
      assert.match(pretty, /^Hostname:\s+w1$/m);
      assert.match(pretty, /^ State:\s+Ready$/m);
      assert.match(pretty, /^ Availability:\s+Active$/m);
      const w1j = await inspect<{ Spec: { Role: string }; Status: { State: string } }>('node', 'w1');
      assert.equal(w1j.Spec.Role, 'worker');
      assert.equal(w1j.Status.State, 'ready');

      assert.match(await ok(m1, ['node', 'promote', 'w2']), /Node w2 promoted to a manager in the swarm\./);
      await waitFor(
        'w2 Reachable',
        async () =>
          (await inspect<{ ManagerStatus?: { Reachability: string } }>('node', 'w2')).ManagerStatus
            ?.Reachability === 'reachable',
        { timeoutMs: 60_000 },
      );
      assert.match(await ok(m1, ['node', 'demote', 'w2']), /Manager w2 demoted in the swarm\./);
      await waitFor(
        'w2 a worker again',
        async () => {
          const j = await inspect<{
            Spec: { Role: string };
            ManagerStatus?: unknown;
            Status: { State: string };
          }>('node', 'w2');
          return j.Spec.Role === 'worker' && j.ManagerStatus === undefined && j.Status.State === 'ready';
        },
        { timeoutMs: 60_000 },
      );
      await waitFor('w2 no longer serving the manager API', async () => {
        const r = await cli(w2, ['node', 'ls']);
        return r.code !== 0 && (r.stderr + r.stdout).includes('This node is not a swarm manager');
      });

      // A fourth node joins, leaves, and is removed.
      const x1 = node('x1', 5);
      await x1.start();
      const token = (await ok(m1, ['swarm', 'join-token', '-q', 'worker'])).trim();
      await ok(x1, ['swarm', 'join', '--token', token, m1.addr]);
      await waitFor(
        'x1 Ready',
        async () => (await inspect<{ Status: { State: string } }>('node', 'x1')).Status.State === 'ready',
      );
      assert.match(await ok(m1, ['info']), /Nodes: 4\n/);
      const busy = await fails(m1, ['node', 'rm', 'x1']);
      assert.match(busy, /is not down and can't be removed/);
      assert.match(await ok(x1, ['swarm', 'leave']), /Node left the swarm\./);
      await waitFor(
        'x1 Down',
        async () => (await inspect<{ Status: { State: string } }>('node', 'x1')).Status.State === 'down',
        {
          timeoutMs: 60_000,
        },
      );
      assert.match(await ok(m1, ['node', 'rm', 'x1']), /x1/);
      await waitFor('x1 gone', async () => !(await ok(m1, ['node', 'ls'])).includes(' x1 '));
      assert.match(await ok(m1, ['info']), /Nodes: 3\n/);
      await x1.kill();
    });

    it(`${o.cli}: commands on a worker are refused with Docker's message`, async () => {
      for (const args of [
        ['service', 'ls'],
        ['node', 'ls'],
        ['secret', 'ls'],
        ['service', 'create', '-d', 'busybox', 'sleep', '1'],
      ]) {
        const r = await cli(w1, args);
        assert.notEqual(r.code, 0, `${args.join(' ')} on a worker`);
        assert.ok(r.stderr.includes(NOT_A_MANAGER), `${args.join(' ')}: ${r.stderr}`);
      }
    });

    it(`${o.cli} network create -d overlay / ls / inspect`, async () => {
      const id = (
        await ok(m1, ['network', 'create', '-d', 'overlay', '--label', 'tier=app', 'appnet'])
      ).trim();
      assert.match(id, /^[0-9a-z]{25}$/);
      ids.set('appnet', id);
      const ls = await ok(m1, ['network', 'ls']);
      assert.match(ls, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE/);
      assert.match(ls, new RegExp(`${id.slice(0, 12)}\\s+appnet\\s+overlay\\s+swarm`));
      assert.match(ls, /\s+ingress\s+overlay\s+swarm/);
      const n = await inspect<{
        Id: string;
        Driver: string;
        Scope: string;
        Labels: Record<string, string>;
        IPAM: { Config: { Subnet: string }[] };
      }>('network', 'appnet');
      assert.equal(n.Id, id);
      assert.equal(n.Driver, 'overlay');
      assert.equal(n.Scope, 'swarm');
      assert.deepEqual(n.Labels, { tier: 'app' });
      assert.match(n.IPAM.Config[0]?.Subnet ?? '', /^10\.0\.\d+\.0\/24$/);
      const dup = await fails(m1, ['network', 'create', '-d', 'overlay', 'appnet']);
      assert.match(dup, /already exists/);
    });

    it(`${o.cli} secret and config create / ls / inspect`, async () => {
      const sid = (
        await ok(m1, ['secret', 'create', '--label', 'k=v', 'pw', '-'], { input: 's3cr3t-value' })
      ).trim();
      assert.match(sid, /^[0-9a-z]{25}$/);
      const cfgFile = join(workDir, 'app.conf');
      writeFileSync(cfgFile, 'cfg-value');
      const cid = (await ok(m1, ['config', 'create', 'appcfg', cfgFile])).trim();
      assert.match(cid, /^[0-9a-z]{25}$/);
      const sls = await ok(m1, ['secret', 'ls']);
      assert.match(sls, /^ID\s+NAME\s+DRIVER\s+CREATED\s+UPDATED/);
      assert.match(sls, new RegExp(`^${sid}\\s+pw\\s`, 'm'));
      const cls = await ok(m1, ['config', 'ls']);
      assert.match(cls, /^ID\s+NAME\s+CREATED\s+UPDATED/);
      assert.match(cls, new RegExp(`^${cid}\\s+appcfg\\s`, 'm'));
      const s = await inspect<{
        ID: string;
        Spec: { Name: string; Labels: Record<string, string>; Data?: string };
      }>('secret', 'pw');
      assert.equal(s.ID, sid);
      assert.deepEqual(s.Spec.Labels, { k: 'v' });
      assert.equal(s.Spec.Data, undefined, 'a secret never shows its data');
      const c = await inspect<{ Spec: { Data: string } }>('config', 'appcfg');
      assert.equal(Buffer.from(c.Spec.Data, 'base64').toString(), 'cfg-value');
      assert.match(await ok(m1, ['config', 'inspect', '--pretty', 'appcfg']), /^Data:\ncfg-value/m);
      assert.match(await fails(m1, ['secret', 'create', 'pw', '-'], { input: 'x' }), /already exists/);
    });

    it(`${o.cli} service create: replicated, with -p, --constraint, resources, update/rollback/restart policies, --env, --mount, --secret, --config, --network`, async () => {
      const out = await ok(
        m1,
        [
          'service',
          'create',
          '--name',
          'web',
          '--replicas',
          '3',
          '-p',
          `${published}:8080`,
          '--constraint',
          'node.role==worker',
          '--reserve-cpu',
          '0.1',
          '--reserve-memory',
          '16m',
          '--limit-cpu',
          '0.5',
          '--limit-memory',
          '256m',
          '--update-parallelism',
          '2',
          '--update-delay',
          '1s',
          '--rollback-parallelism',
          '1',
          '--restart-condition',
          'on-failure',
          '--restart-max-attempts',
          '3',
          '--env',
          'GREETING=hello',
          '--mount',
          'type=tmpfs,target=/scratch',
          '--secret',
          'pw',
          '--config',
          'source=appcfg,target=/app.conf',
          '--network',
          'appnet',
          'busybox',
          'node',
          '-e',
          WEB_SERVER,
        ],
        { timeoutMs: 120_000 },
      );
      const id = lines(out)[0] ?? '';
      assert.match(id, /^[0-9a-z]{25}$/, out);
      ids.set('web', id);
      // Without -d, the CLI returns once the service converged.
      assert.match(out, /verify: Service \S+ converged/);

      // Effects: the spec as the API shows it.
      const svc = await inspect<{
        ID: string;
        Spec: {
          Mode: { Replicated?: { Replicas: number } };
          TaskTemplate: {
            ContainerSpec: {
              Image: string;
              Args: string[];
              Env: string[];
              Mounts: { Type: string; Target: string }[];
              Secrets: { SecretName: string; SecretID: string; File: { Name: string } }[];
              Configs: { ConfigName: string; File: { Name: string } }[];
            };
            Resources: unknown;
            RestartPolicy: { Condition: string; MaxAttempts: number };
            Placement: { Constraints: string[] };
            Networks: { Target: string }[];
          };
          UpdateConfig: { Parallelism: number; Delay: number };
          RollbackConfig: { Parallelism: number };
        };
        Endpoint: { Ports: { PublishedPort: number; TargetPort: number; PublishMode: string }[] };
      }>('service', 'web');
      assert.equal(svc.ID, id);
      const spec = svc.Spec;
      const cs = spec.TaskTemplate.ContainerSpec;
      assert.equal(spec.Mode.Replicated?.Replicas, 3);
      assert.match(cs.Image, /^busybox(:latest)?/);
      assert.deepEqual(cs.Args.slice(0, 2), ['node', '-e']);
      assert.deepEqual(cs.Env, ['GREETING=hello']);
      assert.deepEqual(
        cs.Mounts.map((m) => [m.Type, m.Target]),
        [['tmpfs', '/scratch']],
      );
      assert.deepEqual(
        cs.Secrets.map((s) => [s.SecretName, s.File.Name]),
        [['pw', 'pw']],
      );
      assert.deepEqual(
        cs.Configs.map((c) => [c.ConfigName, c.File.Name]),
        [['appcfg', '/app.conf']],
      );
      assert.deepEqual(spec.TaskTemplate.Resources, {
        Limits: { NanoCPUs: 500_000_000, MemoryBytes: 256 * 1024 * 1024 },
        Reservations: { NanoCPUs: 100_000_000, MemoryBytes: 16 * 1024 * 1024 },
      });
      assert.equal(spec.TaskTemplate.RestartPolicy.Condition, 'on-failure');
      assert.equal(spec.TaskTemplate.RestartPolicy.MaxAttempts, 3);
      assert.deepEqual(spec.TaskTemplate.Placement.Constraints, ['node.role==worker']);
      assert.deepEqual(
        spec.TaskTemplate.Networks.map((n) => n.Target),
        [ids.get('appnet')],
      );
      assert.equal(spec.UpdateConfig.Parallelism, 2);
      assert.equal(spec.UpdateConfig.Delay, 1_000_000_000);
      assert.equal(spec.RollbackConfig.Parallelism, 1);
      assert.deepEqual(
        svc.Endpoint.Ports.map((p) => [p.PublishedPort, p.TargetPort, p.PublishMode]),
        [[published, 8080, 'ingress']],
      );

      // Placement: only the workers run it, both of them.
      const ts = await waitRunning('web', 3);
      assert.deepEqual(ts.map((t) => t.name).sort(), ['web.1', 'web.2', 'web.3']);
      assert.ok(
        ts.every((t) => t.node === 'w1' || t.node === 'w2'),
        JSON.stringify(ts),
      );
      assert.deepEqual([...new Set(ts.map((t) => t.node))].sort(), ['w1', 'w2']);

      // The published port answers on every node (the manager too) with what a task sees.
      type Seen = { task: string; node: string; greeting: string; secret: string; config: string };
      for (const ip of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
        const seen = await waitFor(`web on ${ip}:${published}`, async () => {
          const body = await httpGet(ip, published);
          return body === undefined ? undefined : (JSON.parse(body) as Seen);
        });
        assert.equal(seen.greeting, 'hello');
        assert.equal(seen.secret, 's3cr3t-value');
        assert.equal(seen.config, 'cfg-value');
        assert.match(seen.task, /^web\.[123]$/);
      }
    });

    it(`${o.cli} service ls / ps / inspect --pretty`, async () => {
      const ls = await ok(m1, ['service', 'ls']);
      assert.match(ls, /^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE\s+PORTS/);
      assert.match(
        ls,
        new RegExp(
          `^${ids.get('web')?.slice(0, 12)}\\s+web\\s+replicated\\s+3/3\\s+busybox:latest\\s+\\*:${published}->8080/tcp`,
          'm',
        ),
      );
      const ps = await ok(m1, ['service', 'ps', 'web']);
      assert.match(ps, /^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE\s+ERROR\s+PORTS/);
      for (const slot of [1, 2, 3])
        assert.match(
          ps,
          new RegExp(`^\\w{12}\\s+web\\.${slot}\\s+busybox:latest\\s+w[12]\\s+Running\\s+Running `, 'm'),
        );
      const pretty = await ok(m1, ['service', 'inspect', '--pretty', 'web']);
      for (const re of [
        /^Name:\s+web$/m,
        /^Service Mode:\s+Replicated$/m,
        /^ Replicas:\s+3$/m,
        /^ Constraints:\s+\[node\.role==worker\]$/m,
        /^UpdateConfig:\n Parallelism:\s+2\n Delay:\s+1s$/m,
        /^RollbackConfig:\n Parallelism:\s+1$/m,
        /^ Env:\s+GREETING=hello/m,
        /^ Target:\s+\/scratch$/m,
        /^ {2}Type:\s+tmpfs$/m,
        /^Configs:\n Target:\s+\/app\.conf\n {2}Source:\s+appcfg$/m,
        /^Secrets:\n Target:\s+pw\n {2}Source:\s+pw$/m,
        /^ Reservations:\n {2}CPU:\s+0\.1\n {2}Memory:\s+16MiB$/m,
        /^ Limits:\n {2}CPU:\s+0\.5\n {2}Memory:\s+256MiB$/m,
        /^Networks:\s+appnet/m,
        new RegExp(`^ PublishedPort = ${published}$`, 'm'),
      ])
        assert.match(pretty, re);
    });

    it(`${o.cli} service logs: lines from tasks on both workers, with the task-name prefix`, async () => {
      const want = /^(web\.([123])\.[0-9a-z]+@(w[12]))\s+\| hello from web\.(\d) on (w[12])$/;
      const rows = await waitFor('a line from each of the 3 tasks', async () => {
        const out = await ok(m1, ['service', 'logs', 'web']);
        const ls = lines(out);
        const ms = ls.map((l) => want.exec(l)).filter((m): m is RegExpExecArray => m !== null);
        return ms.length >= 3 ? { ls, ms } : undefined;
      });
      for (const m of rows.ms) {
        assert.equal(m[2], m[4], `the prefix's slot is the task's: ${m[0]}`);
        assert.equal(m[3], m[5], `the prefix's node is the task's: ${m[0]}`);
      }
      assert.deepEqual([...new Set(rows.ms.map((m) => m[3]))].sort(), ['w1', 'w2']);
      const raw = lines(await ok(m1, ['service', 'logs', '--raw', 'web']));
      assert.ok(raw.length >= 3 && raw.every((l) => /^hello from web\.\d on w[12]$/.test(l)), raw.join('\n'));
    });

    it(`${o.cli} service scale: 3 -> 4 replicas`, async () => {
      const out = await ok(m1, ['service', 'scale', 'web=4'], { timeoutMs: 120_000 });
      assert.match(out, /web scaled to 4/);
      await waitRunning('web', 4);
      assert.match(await ok(m1, ['service', 'ls', '--filter', 'name=web']), /\s4\/4\s/);
      const svc = await inspect<{ Spec: { Mode: { Replicated: { Replicas: number } } } }>('service', 'web');
      assert.equal(svc.Spec.Mode.Replicated.Replicas, 4);
    });

    it(`${o.cli} service update then rollback; a stale version is refused (409)`, async () => {
      const before = await inspect<{ Version: { Index: number }; Spec: unknown }>('service', 'web');
      const up = await ok(
        m1,
        ['service', 'update', '--env-add', 'GREETING=bonjour', '--update-delay', '0s', 'web'],
        {
          timeoutMs: 120_000,
        },
      );
      assert.match(up, /^web$/m);
      assert.match(up, /verify: Service \S+ converged/);
      const updated = await inspect<{
        Version: { Index: number };
        Spec: { TaskTemplate: { ContainerSpec: { Env: string[] } } };
        PreviousSpec: { TaskTemplate: { ContainerSpec: { Env: string[] } } };
        UpdateStatus: { State: string };
      }>('service', 'web');
      assert.ok(updated.Version.Index > before.Version.Index);
      assert.deepEqual(updated.Spec.TaskTemplate.ContainerSpec.Env, ['GREETING=bonjour']);
      assert.deepEqual(updated.PreviousSpec.TaskTemplate.ContainerSpec.Env, ['GREETING=hello']);
      assert.equal(updated.UpdateStatus.State, 'completed');
      await waitRunning('web', 4);
      await waitFor('the new greeting on the published port', async () => {
        const b = await httpGet('127.0.0.2', published);
        return b !== undefined && (JSON.parse(b) as { greeting: string }).greeting === 'bonjour';
      });

      // An update sent at the version read before: 409, Docker's words.
      const stale = await api(
        m1,
        'POST',
        `/v1.47/services/${ids.get('web')}/update?version=${before.Version.Index}`,
        before.Spec,
      );
      assert.equal(stale.status, 409, stale.body);
      assert.match(stale.body, /update out of sequence/);

      const rb = await ok(m1, ['service', 'rollback', 'web'], { timeoutMs: 120_000 });
      assert.match(rb, /^web$/m);
      assert.match(rb, /rollback: manually requested rollback/);
      assert.match(rb, /verify: Service \S+ converged/);
      const rolled = await inspect<{
        Spec: { TaskTemplate: { ContainerSpec: { Env: string[] } } };
        UpdateStatus: { State: string };
      }>('service', 'web');
      assert.deepEqual(rolled.Spec.TaskTemplate.ContainerSpec.Env, ['GREETING=hello']);
      assert.equal(rolled.UpdateStatus.State, 'rollback_completed');
      await waitRunning('web', 4);
      await waitFor('the old greeting back', async () => {
        const b = await httpGet('127.0.0.3', published);
        return b !== undefined && (JSON.parse(b) as { greeting: string }).greeting === 'hello';
      });
    });

    it(`${o.cli} service create: a taken name is refused`, async () => {
      const err = await fails(m1, ['service', 'create', '-d', '--name', 'web', 'busybox', 'sleep', '1']);
      assert.match(
        err,
        /Error response from daemon: rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists/,
      );
    });

    it(`${o.cli} service create --mode global: one task per node; scaling it is refused`, async () => {
      const id = (
        await ok(m1, [
          'service',
          'create',
          '-d',
          '--name',
          'mon',
          '--mode',
          'global',
          '-p',
          `mode=host,published=${published2},target=9000`,
          'busybox',
          'sleep',
          '3600',
        ])
      ).trim();
      assert.match(id, /^[0-9a-z]{25}$/);
      const ts = await waitRunning('mon', 3);
      assert.deepEqual(ts.map((t) => t.node).sort(), ['m1', 'w1', 'w2']);
      assert.match(
        await ok(m1, ['service', 'ls', '--filter', 'name=mon']),
        /mon\s+global\s+3\/3\s+busybox:latest/,
      );
      const err = await fails(m1, ['service', 'scale', 'mon=2']);
      assert.match(err, /mon: scale can only be used with replicated or replicated-job mode/);
      const svc = await inspect<{ Spec: { Mode: { Global?: object } } }>('service', 'mon');
      assert.ok(svc.Spec.Mode.Global, 'still global');
    });

    it(`${o.cli} service create --mode replicated-job: the tasks run to completion`, async () => {
      await ok(m1, [
        'service',
        'create',
        '-d',
        '--name',
        'job',
        '--mode',
        'replicated-job',
        '--replicas',
        '2',
        'busybox',
        'sh',
        '-c',
        'echo job-done',
      ]);
      await waitFor('2 completed job tasks', async () => {
        const ts = await tasks('job', true);
        return ts.length === 2 && ts.every((t) => t.current.startsWith('Complete')) ? ts : undefined;
      });
      assert.match(
        await ok(m1, ['service', 'ls', '--filter', 'name=job']),
        /job\s+replicated job\s+0\/2 \(2\/2 completed\)/,
      );
      const logs = await waitFor('the job lines', async () => {
        const ls = lines(await ok(m1, ['service', 'logs', 'job']));
        return ls.length === 2 ? ls : undefined;
      });
      for (const l of logs) assert.match(l, /^job\.[12]\.\w+@\w+\s+\| job-done$/);
    });

    it(`${o.cli}: removing a secret or a network in use is refused`, async () => {
      const s = await fails(m1, ['secret', 'rm', 'pw']);
      assert.match(
        s,
        /rpc error: code = InvalidArgument desc = secret 'pw' is in use by the following service: web/,
      );
      const c = await fails(m1, ['config', 'rm', 'appcfg']);
      assert.match(c, /config 'appcfg' is in use by the following service: web/);
      const n = await fails(m1, ['network', 'rm', 'appnet']);
      assert.match(n, /is in use by/);
      assert.match(await ok(m1, ['secret', 'ls']), /\spw\s/);
    });

    it(`${o.cli} events --filter type=service: create, update and remove`, async () => {
      // A follower in the background, killed after the actions (--since: whenever its
      // stream opens, it misses nothing)...
      const since = String(Math.floor(Date.now() / 1000) - 1);
      const follower = startFollower(m1, [
        'events',
        '--since',
        since,
        '--filter',
        'type=service',
        '--format',
        '{{json .}}',
      ]);
      type Ev = { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } };
      let seen: Ev[];
      try {
        await ok(m1, ['service', 'create', '-d', '--name', 'evt', 'busybox', 'sleep', '3600']);
        await ok(m1, ['service', 'update', '-d', '--env-add', 'A=1', 'evt']);
        await ok(m1, ['service', 'rm', 'evt']);
        seen = await waitFor('the follower to see the removal', () => {
          const evs = jsonLines<Ev>(follower.out()).filter((e) => e.Actor.Attributes.name === 'evt');
          return evs.some((e) => e.Action === 'remove') ? evs : undefined;
        });
      } finally {
        follower.stop();
      }
      assert.ok(seen.every((e) => e.Type === 'service'));
      const actions = seen.map((e) => e.Action);
      assert.equal(actions[0], 'create');
      assert.ok(actions.includes('update'), actions.join());
      assert.equal(actions.at(-1), 'remove');
      // ...and the same window replayed with --since/--until, which ends by itself.
      const until = Math.floor(Date.now() / 1000) + 1;
      await sleep(1_200);
      const replay = jsonLines<Ev>(
        await ok(m1, [
          'events',
          '--since',
          String(t0),
          '--until',
          String(until),
          '--filter',
          'type=service',
          '--format',
          '{{json .}}',
        ]),
      );
      const names = new Set(replay.map((e) => e.Actor.Attributes.name));
      for (const n of ['web', 'mon', 'job', 'evt']) assert.ok(names.has(n), `${n} in ${[...names].join()}`);
      assert.ok(
        replay.some((e) => e.Action === 'update' && e.Actor.Attributes['replicas.new'] === '4'),
        'the scale event',
      );
      assert.ok(
        replay.some(
          (e) => e.Action === 'update' && e.Actor.Attributes['updatestate.new'] === 'rollback_completed',
        ),
      );
      assert.ok(replay.every((e) => e.Type === 'service'));
    });

    it(`${o.cli} stack deploy -c compose.yml / ls / services / ps / rm`, async () => {
      const dir = join(workDir, 'stack');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'token.txt'), 'stack-token');
      writeFileSync(join(dir, 'settings.json'), '{"a":1}');
      writeFileSync(
        join(dir, 'compose.yml'),
        [
          'version: "3.8"',
          'services:',
          '  api:',
          '    image: busybox',
          `    command: ["node", "-e", "console.log('api up on ' + process.env.SHOAL_NODE_HOSTNAME); setInterval(() => {}, 1000)"]`,
          '    environment:',
          '      MODE: stack',
          '    deploy:',
          '      replicas: 2',
          '      placement:',
          '        constraints: [node.role == worker]',
          '    networks: [backend]',
          '    secrets: [token]',
          '    configs:',
          '      - source: settings',
          '        target: /settings.json',
          '  agent:',
          '    image: busybox',
          '    command: sleep 3600',
          '    deploy:',
          '      mode: global',
          'networks:',
          '  backend:',
          '    driver: overlay',
          'secrets:',
          '  token:',
          '    file: ./token.txt',
          'configs:',
          '  settings:',
          '    file: ./settings.json',
          '',
        ].join('\n'),
      );
      const out = await ok(m1, ['stack', 'deploy', '-c', 'compose.yml', 'app'], {
        cwd: dir,
        timeoutMs: 120_000,
      });
      for (const l of [
        'Creating network app_backend',
        'Creating secret app_token',
        'Creating config app_settings',
        'Creating service app_api',
        'Creating service app_agent',
      ])
        assert.ok(out.includes(l), `${l} in:\n${out}`);
      assert.match(await ok(m1, ['stack', 'ls']), /^NAME\s+SERVICES\s*\napp\s+2\s*$/m);
      const svcs = await waitFor('the stack converged', async () => {
        const s = await ok(m1, ['stack', 'services', 'app']);
        return /app_api\s+replicated\s+2\/2/.test(s) && /app_agent\s+global\s+3\/3/.test(s) ? s : undefined;
      });
      assert.match(svcs, /^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE\s+PORTS/);
      const ps = await ok(m1, [
        'stack',
        'ps',
        'app',
        '--filter',
        'desired-state=running',
        '--format',
        '{{.Name}} {{.Node}} {{.CurrentState}}',
      ]);
      const rows = lines(ps);
      assert.equal(rows.length, 5, ps);
      assert.equal(rows.filter((r) => /^app_api\.[12] w[12] Running/.test(r)).length, 2, ps);
      assert.equal(rows.filter((r) => /^app_agent\.\w+ (m1|w1|w2) Running/.test(r)).length, 3, ps);
      const api1 = await inspect<{
        Spec: { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Env: string[] } } };
      }>('service', 'app_api');
      assert.equal(api1.Spec.Labels['com.docker.stack.namespace'], 'app');
      assert.deepEqual(api1.Spec.TaskTemplate.ContainerSpec.Env, ['MODE=stack']);
      const logs = await waitFor('the api lines', async () => {
        const ls = lines(await ok(m1, ['service', 'logs', 'app_api']));
        return ls.length >= 2 ? ls : undefined;
      });
      for (const l of logs) assert.match(l, /^app_api\.[12]\.\w+@(w[12])\s+\| api up on \1$/);
      // Re-deploying the same file changes nothing.
      const v = (await inspect<{ Version: { Index: number } }>('service', 'app_api')).Version.Index;
      await ok(m1, ['stack', 'deploy', '-c', 'compose.yml', 'app'], { cwd: dir });
      if (o.cli === 'shoal')
        assert.equal((await inspect<{ Version: { Index: number } }>('service', 'app_api')).Version.Index, v);

      const rm = await ok(m1, ['stack', 'rm', 'app']);
      for (const l of [
        'Removing service app_agent',
        'Removing service app_api',
        'Removing secret app_token',
        'Removing config app_settings',
        'Removing network app_backend',
      ])
        assert.ok(rm.includes(l), `${l} in:\n${rm}`);
      await waitFor(
        'the stack gone',
        async () => (await ok(m1, ['stack', 'ls'])).trim() === 'NAME      SERVICES',
      );
      await waitFor(
        'its network gone',
        async () => !(await ok(m1, ['network', 'ls'])).includes('app_backend'),
      );
      assert.ok(!(await ok(m1, ['secret', 'ls'])).includes('app_token'));
    });

    o.more?.({
      get h() {
        return h;
      },
      get m1() {
        return m1;
      },
      get w1() {
        return w1;
      },
      get w2() {
        return w2;
      },
      cli,
      ok,
    });

    it(`${o.cli} service rm; then the secret, config and network go`, async () => {
      const out = await ok(m1, ['service', 'rm', 'web', 'mon', 'job']);
      assert.deepEqual(lines(out), ['web', 'mon', 'job']);
      assert.deepEqual(await serviceNames(), []);
      assert.match(await fails(m1, ['service', 'inspect', 'web']), /no such service: web|Status: 404/i);
      // The tasks stop: no published port answers any more.
      await waitFor(
        'the published port closed',
        async () => (await httpGet('127.0.0.2', published)) === undefined,
      );
      await waitFor(
        'no task listed',
        async () => (await api(m1, 'GET', '/v1.47/tasks')).body.trim() === '[]',
        { timeoutMs: 60_000 },
      );
      assert.match(await ok(m1, ['secret', 'rm', 'pw']), /^pw$/m);
      assert.match(await ok(m1, ['config', 'rm', 'appcfg']), /^appcfg$/m);
      await waitFor('appnet removable', async () => (await cli(m1, ['network', 'rm', 'appnet'])).code === 0);
      assert.ok(!(await ok(m1, ['network', 'ls'])).includes('appnet'));
      assert.match(await fails(m1, ['secret', 'inspect', 'pw']), /not found|No such secret/i);
      // Every node's executor removes what its tasks left: folders, logs, secrets.
      await waitFor(
        'no task folder left on any node',
        () => {
          const left = [m1, w1, w2].flatMap((n) => taskFolders(n).map((id) => `${n.name}/${id}`));
          if (left.length === 0) return true;
          throw new Error(`left: ${left.join(' ')}`);
        },
        { timeoutMs: 60_000 },
      );
    });
  });
}

/** A CLI left running in the background (e.g. `docker events`), its output collected. */
function startFollower(n: DaemonNode, args: string[]): { out(): string; stop(): void } {
  let out = '';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: n.host,
    DOCKER_CONFIG: n.harness.dockerConfig,
    DOCKER_CLI_HINTS: 'false',
  };
  const child = execFile(DOCKER_BIN, args, { env, timeout: 120_000, encoding: 'utf8' });
  child.stdout?.on('data', (d: string) => {
    out += d;
  });
  child.on('error', () => undefined);
  return {
    out: () => out,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
