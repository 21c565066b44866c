/**
 * LocalCluster: launches a Raft cluster of member processes (member.ts) on 127.0.0.1 for
 * the demo, the benchmark and the multi-process tests. It creates an in-memory CA, issues
 * one certificate per member (CN = member id), writes them under `<dir>/tls/`, picks free
 * ports, and spawns `node --import tsx member.ts` per member with its data in
 * `<dir>/<id>/` and its log (pino JSON lines) appended to `<dir>/<id>.log`.
 *
 * Members run in their own process group (a Ctrl-C in the terminal reaches the launcher,
 * which stops them in order) and watch their IPC channel: if the launcher dies, they exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEphemeralCa } from '../../ca/ephemeral.ts';
import type { NodeId } from '../core/types.ts';
import { closeClient, type MemberStatus, memberApi } from './client.ts';

export interface LocalClusterOptions {
  /** Working directory (default: a new temporary one, removed by shutdown()). */
  dir?: string;
  /** Number of members (default 3). */
  members?: number;
  /** Extra node flags for member processes, e.g. ['--cpu-prof', '--cpu-prof-dir', d]. */
  nodeArgs?: string[];
  /** pino level for the members (default info). */
  logLevel?: string;
}

export interface MemberHandle {
  id: NodeId;
  raftAddress: string;
  url: string;
  dataDir: string;
  logFile: string;
  proc: ChildProcess | undefined;
  exited: Promise<void> | undefined;
}

const HOST = '127.0.0.1';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const memberScript = fileURLToPath(new URL('./member.ts', import.meta.url));

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, HOST, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LocalCluster {
  readonly members: MemberHandle[];
  private readonly onExit = () => this.killAll();

  private constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
    members: MemberHandle[],
    private readonly opts: LocalClusterOptions,
  ) {
    this.members = members;
    process.on('exit', this.onExit);
  }

  /** Prepares the directory, certificates and ports; starts nothing. */
  static async create(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'shoal-raft-'));
    mkdirSync(join(dir, 'tls'), { recursive: true });
    const n = opts.members ?? 3;
    const ca = await createEphemeralCa('Shoal Demo CA');
    writeFileSync(join(dir, 'tls', 'ca.crt'), ca.caPem);
    const ports = await freePorts(2 * n);
    const members: MemberHandle[] = [];
    for (let i = 0; i < n; i++) {
      const id = `m${i + 1}`;
      const cert = await ca.issue(id, { ou: 'swarm-manager' });
      writeFileSync(join(dir, 'tls', `${id}.key`), cert.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, 'tls', `${id}.crt`), cert.certPem);
      members.push({
        id,
        raftAddress: `${HOST}:${ports[2 * i]}`,
        url: `http://${HOST}:${ports[2 * i + 1]}`,
        dataDir: join(dir, id),
        logFile: join(dir, `${id}.log`),
        proc: undefined,
        exited: undefined,
      });
    }
    return new LocalCluster(dir, opts.dir === undefined, members, opts);
  }

  member(id: NodeId): MemberHandle {
    const m = this.members.find((x) => x.id === id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  url(id: NodeId): string {
    return this.member(id).url;
  }

  running(): MemberHandle[] {
    return this.members.filter((m) => m.proc !== undefined);
  }

  /** Starts every member that is not running and waits until each answers /status. */
  async start(timeoutMs = 30_000): Promise<void> {
    const todo = this.members.filter((m) => !m.proc);
    for (const m of todo) this.spawn(m);
    await Promise.all(todo.map((m) => this.waitUp(m.id, timeoutMs)));
  }

  /** Starts one member again (same id, data directory and ports) and waits until it answers. */
  async restart(id: NodeId, timeoutMs = 30_000): Promise<void> {
    const m = this.member(id);
    if (m.proc) throw new Error(`${id} is running`);
    this.spawn(m);
    await this.waitUp(id, timeoutMs);
  }

  /** Sends `signal` (SIGKILL: a crash) and waits for the process to exit. */
  async kill(id: NodeId, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.member(id);
    if (!m.proc) return;
    const exited = m.exited;
    m.proc.kill(signal);
    await exited;
  }

  /** Graceful stop (SIGTERM: the member hands leadership over first); SIGKILL after `graceMs`. */
  async stop(id: NodeId, graceMs = 10_000): Promise<void> {
    const m = this.member(id);
    if (!m.proc) return;
    const exited = m.exited;
    const timer = setTimeout(() => m.proc?.kill('SIGKILL'), graceMs);
    m.proc.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  }

  async status(id: NodeId): Promise<MemberStatus | undefined> {
    return memberApi.status(this.url(id)).catch(() => undefined);
  }

  /** Polls the running members until one of them reports itself leader (optionally not `except`). */
  async waitForLeader(timeoutMs = 15_000, except?: NodeId): Promise<NodeId> {
    const start = performance.now();
    while (performance.now() - start < timeoutMs) {
      const all = await Promise.all(this.running().map((m) => this.status(m.id)));
      const lead = all.find((s) => s?.state === 'leader' && s.id !== except);
      if (lead) return lead.id;
      await sleep(20);
    }
    throw new Error(`no leader within ${timeoutMs} ms`);
  }

  /** Waits until `id` has applied everything the leader had committed when this was called. */
  async waitCaughtUp(id: NodeId, timeoutMs = 30_000): Promise<{ index: number; ms: number }> {
    const start = performance.now();
    const leader = await this.waitForLeader(timeoutMs);
    const target = (await memberApi.status(this.url(leader))).commit;
    while (performance.now() - start < timeoutMs) {
      const s = await this.status(id);
      if (s && s.applied >= target) return { index: target, ms: performance.now() - start };
      await sleep(20);
    }
    throw new Error(`${id} did not catch up to index ${target} within ${timeoutMs} ms`);
  }

  /** Stops every member (gracefully, in order) and removes a temporary directory. */
  async shutdown(opts: { keepDir?: boolean } = {}): Promise<void> {
    for (const m of this.running()) await this.stop(m.id);
    process.off('exit', this.onExit);
    closeClient();
    if (this.ownsDir && !opts.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(m: MemberHandle): void {
    const args = [
      ...(this.opts.nodeArgs ?? []),
      '--import',
      'tsx',
      memberScript,
      ...[
        '--id',
        m.id,
        '--data',
        m.dataDir,
        '--raft',
        m.raftAddress,
        '--http',
        m.url.slice('http://'.length),
      ],
      ...['--peers', this.members.map((p) => `${p.id}=${p.raftAddress}`).join(',')],
      ...[
        '--tls-key',
        join(this.dir, 'tls', `${m.id}.key`),
        '--tls-cert',
        join(this.dir, 'tls', `${m.id}.crt`),
      ],
      ...['--tls-ca', join(this.dir, 'tls', 'ca.crt')],
    ];
    const logFd = openSync(m.logFile, 'a');
    const proc = spawn(process.execPath, args, {
      cwd: repoRoot,
      stdio: ['ignore', logFd, logFd, 'ipc'],
      detached: true,
      env: { ...process.env, SHOAL_LOG_LEVEL: this.opts.logLevel ?? 'info' },
    });
    closeSync(logFd);
    m.proc = proc;
    m.exited = new Promise((resolve) => {
      proc.once('exit', () => {
        if (m.proc === proc) {
          m.proc = undefined;
          m.exited = undefined;
        }
        resolve();
      });
    });
  }

  private async waitUp(id: NodeId, timeoutMs: number): Promise<void> {
    const m = this.member(id);
    const start = performance.now();
    while (performance.now() - start < timeoutMs) {
      if (!m.proc) throw new Error(`${id} exited during start-up; see ${m.logFile}`);
      if (await this.status(id)) return;
      await sleep(50);
    }
    throw new Error(`${id} did not answer within ${timeoutMs} ms; see ${m.logFile}`);
  }

  private killAll(): void {
    for (const m of this.members) m.proc?.kill('SIGKILL');
  }
}
