/**
 * The end-to-end tier's harness: real `shoal daemon` processes on distinct loopback
 * addresses (127.0.0.2, .3, ...), driven by the real `docker` CLI through each daemon's
 * unix socket. No in-process shortcuts: what passes here passes for an operator.
 *
 *   test file ──► Harness (one temp dir, one cluster port per file)
 *                   ├─ DaemonNode n1: ./bin/shoal daemon --data-dir <root>/n1/data
 *                   │                   --listen-addr 127.0.0.2:<port> --advertise-addr 127.0.0.2
 *                   │                   --host unix://<root>/n1/data/shoal.sock --executor fake
 *                   │                   (stdout+stderr ──► <root>/n1/daemon.log)
 *                   ├─ DaemonNode n2 on 127.0.0.3 ...
 *                   └─ docker CLI: DOCKER_HOST=unix://…/shoal.sock, DOCKER_CONFIG=<root>/docker-config
 *
 * Every file picks its own port, so files can run at the same time on the same addresses:
 * swarm 24100, security 24200, secrets 24300, failover 24400, bench/swarm 24500,
 * containers 24600 (127.0.0.60-62, published ports 24601-24609), bench/containers 24650
 * (127.0.0.63-65; Docker's own swarm for comparison on 127.0.0.1:24690).
 * `installHooks(h)` wires node:test: logs of every daemon are printed when a test fails,
 * and every child is killed in after() (and on process exit), whatever happened.
 * Only installHooks uses node:test (importing it starts no runner), so benchmarks use this too.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { after, afterEach } from 'node:test';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHOAL_BIN = join(REPO, 'bin', 'shoal');
/** The docker CLI: $SHOAL_E2E_DOCKER, else /usr/local/bin/docker, else the first on the PATH. */
export const DOCKER_BIN = ((): string => {
  if (process.env.SHOAL_E2E_DOCKER) return process.env.SHOAL_E2E_DOCKER;
  const candidates = ['/usr/local/bin', ...(process.env.PATH ?? '').split(delimiter)].map((d) =>
    join(d, 'docker'),
  );
  return candidates.find((c) => existsSync(c)) ?? '/usr/local/bin/docker';
})();

/** Why the e2e tier cannot run here (no docker CLI, not Linux), or undefined. */
export function e2eUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the e2e tier needs Linux (loopback 127.0.0.x addresses)';
  if (!existsSync(DOCKER_BIN)) return `no docker CLI at ${DOCKER_BIN} (set SHOAL_E2E_DOCKER)`;
  return undefined;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HarnessOptions {
  /** Names the temp dir and the logs. */
  name: string;
  /** The cluster port every daemon of this harness listens on (unique per test file). */
  port: number;
  /** First loopback host number: 127.0.0.<firstHost> (default 2). */
  firstHost?: number;
}

export interface NodeOptions {
  /** Extra daemon flags. */
  args?: string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra environment (e.g. SHOAL_TEST_MIN_CERT_EXPIRY_MS). */
  env?: Record<string, string>;
}

/** Every child of every harness in this process: killed on exit whatever happens. */
const allChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const c of allChildren) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
}

export class Harness {
  readonly root: string;
  readonly dockerConfig: string;
  readonly port: number;
  private nextHost: number;
  readonly nodes: DaemonNode[] = [];

  constructor(readonly opts: HarnessOptions) {
    installExitHook();
    this.root = mkdtempSync(join(tmpdir(), `shoal-e2e-${opts.name}-`));
    this.dockerConfig = join(this.root, 'docker-config');
    mkdirSync(this.dockerConfig, { recursive: true });
    this.port = opts.port;
    this.nextHost = opts.firstHost ?? 2;
  }

  /** A new node on the next loopback address (not started). */
  node(name: string, opts: NodeOptions = {}): DaemonNode {
    if (this.nextHost > 254) throw new Error('out of loopback addresses');
    const n = new DaemonNode(this, name, `127.0.0.${this.nextHost++}`, opts);
    this.nodes.push(n);
    return n;
  }

  /** Several nodes, started in parallel. */
  async startNodes(names: string[], opts: NodeOptions = {}): Promise<DaemonNode[]> {
    const ns = names.map((n) => this.node(n, opts));
    await Promise.all(ns.map((n) => n.start()));
    return ns;
  }

  /** Runs the docker CLI against a socket (or with no DOCKER_HOST change when undefined). */
  docker(host: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
    return runDocker(host, this.dockerConfig, args, opts);
  }

  /** The last lines of every daemon's log (printed when a test fails). */
  logs(lines = 80): string {
    return this.nodes
      .map((n) => `----- ${n.name} (${n.ip}) ${n.logFile} -----\n${n.logTail(lines)}`)
      .join('\n');
  }

  /** Kills every daemon (SIGKILL), then removes the temp dir unless `keep`. */
  async cleanup(keep = false): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill().catch(() => undefined)));
    if (!keep) rmSync(this.root, { recursive: true, force: true });
    else process.stderr.write(`# e2e: kept ${this.root} for inspection\n`);
  }
}

export class DaemonNode {
  readonly dir: string;
  readonly dataDir: string;
  readonly sock: string;
  readonly logFile: string;
  readonly addr: string;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(
    readonly harness: Harness,
    readonly name: string,
    readonly ip: string,
    private readonly opts: NodeOptions,
  ) {
    this.dir = join(harness.root, name);
    this.dataDir = join(this.dir, 'data');
    this.sock = join(this.dataDir, 'shoal.sock');
    this.logFile = join(this.dir, 'daemon.log');
    this.addr = `${ip}:${harness.port}`;
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
  }

  get host(): string {
    return `unix://${this.sock}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the daemon and waits until its API answers /_ping. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const fd = openSync(this.logFile, 'a');
    const args = [
      SHOAL_BIN,
      'daemon',
      '--data-dir',
      this.dataDir,
      '--listen-addr',
      this.addr,
      '--advertise-addr',
      this.ip,
      '--host',
      this.host,
      '--executor',
      'fake',
      '--node-name',
      this.name,
      '--log-level',
      this.opts.logLevel ?? 'info',
      ...(this.opts.args ?? []),
    ];
    const proc = spawn(process.execPath, args, {
      cwd: REPO,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...this.opts.env },
    });
    closeSync(fd);
    allChildren.add(proc);
    this.proc = proc;
    this.exited = new Promise((res) =>
      proc.once('exit', () => {
        allChildren.delete(proc);
        res();
      }),
    );
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running)
        throw new Error(`${this.name} exited during start (code ${proc.exitCode}):\n${this.logTail(40)}`);
      if (await ping(this.sock)) return;
      await sleep(100);
    }
    throw new Error(`${this.name} did not answer /_ping within ${timeoutMs} ms:\n${this.logTail(40)}`);
  }

  /** SIGTERM (graceful: a leader hands over first), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    const proc = this.proc as ChildProcess;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  /** kill -9. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.proc?.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  docker(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
    return this.harness.docker(this.host, args, opts);
  }

  /** Runs a docker command that must succeed; returns its stdout. */
  async ok(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.docker(args, opts);
    if (r.code !== 0)
      throw new Error(`[${this.name}] docker ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  logTail(lines = 80): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }
}

// ---- docker CLI --------------------------------------------------------------------------

export function runDocker(
  host: string,
  config: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: config };
  for (const k of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION'])
    delete env[k];
  env.DOCKER_CLI_HINTS = 'false';
  return new Promise((res) => {
    const child = execFile(
      DOCKER_BIN,
      args,
      { env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        res({ code, stdout, stderr });
      },
    );
    // The CLI may exit without reading its stdin: an EPIPE here is not the test's business.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

/** One row of `docker node ls --format '{{json .}}'`. */
export interface NodeRow {
  ID: string;
  Hostname: string;
  Status: string;
  Availability: string;
  ManagerStatus: string;
  Self: boolean;
}

/** `docker node ls` through `n`, parsed (the CLI's own table columns, as JSON). */
export async function nodeLs(n: DaemonNode): Promise<NodeRow[]> {
  const out = await n.ok(['node', 'ls', '--format', '{{json .}}']);
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as NodeRow);
}

/** `docker info --format '{{json .Swarm}}'` through `n`. */
export async function swarmInfo(n: DaemonNode): Promise<{
  NodeID: string;
  NodeAddr: string;
  LocalNodeState: string;
  ControlAvailable: boolean;
  Error: string;
  Nodes?: number;
  Managers?: number;
  Cluster?: { ID: string };
}> {
  return JSON.parse(await n.ok(['info', '--format', '{{json .Swarm}}']));
}

// ---- waiting -----------------------------------------------------------------------------

/**
 * Polls `check` until it returns something other than undefined/false (returned), or
 * throws after `timeoutMs` with the last value or error seen.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function ping(sock: string): Promise<boolean> {
  if (!existsSync(sock)) return Promise.resolve(false);
  return new Promise((res) => {
    const req = request({ socketPath: sock, path: '/_ping', method: 'GET', timeout: 2_000 }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
    req.end();
  });
}

// ---- swarm formation shortcuts -------------------------------------------------------------

/** `docker swarm join-token -q <role>` through a manager. */
export async function joinToken(manager: DaemonNode, role: 'worker' | 'manager'): Promise<string> {
  return (await manager.ok(['swarm', 'join-token', '-q', role])).trim();
}

/** `docker swarm join --token T <manager addr>` on `n`. */
export function joinSwarm(n: DaemonNode, token: string, via: DaemonNode): Promise<Run> {
  return n.docker(['swarm', 'join', '--token', token, via.addr]);
}

/** Init on the first node, then join managers and workers (one at a time, as an operator would). */
export async function formSwarm(
  leader: DaemonNode,
  managers: DaemonNode[],
  workers: DaemonNode[],
): Promise<{ workerToken: string; managerToken: string }> {
  await leader.ok(['swarm', 'init']);
  const workerToken = await joinToken(leader, 'worker');
  const managerToken = await joinToken(leader, 'manager');
  for (const m of managers) {
    const r = await joinSwarm(m, managerToken, leader);
    if (r.code !== 0) throw new Error(`${m.name} could not join as a manager: ${r.stderr}`);
  }
  for (const w of workers) {
    const r = await joinSwarm(w, workerToken, leader);
    if (r.code !== 0) throw new Error(`${w.name} could not join as a worker: ${r.stderr}`);
  }
  return { workerToken, managerToken };
}

/** Waits until `via` lists `count` nodes, all Ready (or those in `except` in any state). */
export function waitAllReady(via: DaemonNode, count: number, timeoutMs = 60_000): Promise<NodeRow[]> {
  return waitFor(
    `${count} Ready nodes in "docker node ls" on ${via.name}`,
    async () => {
      const rows = await nodeLs(via);
      return rows.length === count && rows.every((r) => r.Status === 'Ready') ? rows : undefined;
    },
    { timeoutMs },
  );
}

// ---- node:test wiring -----------------------------------------------------------------------

/**
 * Prints every daemon's log tail when a test fails; kills everything in after().
 * Keeps the temp dir when something failed (its path is printed).
 */
export function installHooks(h: Harness): void {
  let failed = false;
  afterEach((t) => {
    const ctx = t as unknown as { passed?: boolean; name: string };
    if (ctx.passed === false) {
      failed = true;
      process.stderr.write(`\n# e2e: "${ctx.name}" failed; daemon logs:\n${h.logs()}\n`);
    }
  });
  after(() => h.cleanup(failed));
}
