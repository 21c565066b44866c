/**
 * A Docker Engine for tests: a private dockerd of our own (its socket, data root, exec
 * root and pidfile in a fresh /tmp directory, no default bridge, no iptables), or the
 * one SHOAL_TEST_DOCKER_HOST names. Waits for /_ping, then builds the test images with
 * `docker import` from a directory holding the static busybox and its applet links:
 *
 *   shoal-busybox:latest          busybox, CMD sh
 *   shoal-test/busybox:1, :2      + /www/index.html naming the tag, CMD httpd on :80
 *
 * and a bridge network of its own for task containers. When no engine can be had, the
 * result says why, so tests SKIP with that message (never a silent pass); with
 * SHOAL_REQUIRE_DOCKER=1 (CI) that is an error instead.
 *
 *   const t = await testEngine();
 *   if (t.skip) test('docker executor', { skip: t.skip }, () => {});
 *   after(() => t.engine?.stop());
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';

export const IMAGES = {
  busybox: 'shoal-busybox:latest',
  web1: 'shoal-test/busybox:1',
  web2: 'shoal-test/busybox:2',
} as const;

export interface TestEngine {
  /** unix:///… */
  host: string;
  socketPath: string;
  docker: Docker;
  /** A bridge network of this engine's own for task containers. */
  network: string;
  /** Whether this process started the engine (and stop() ends it). */
  owned: boolean;
  /** The engine's data root, when it is ours (to check what reached the disk). */
  dataRoot?: string;
  stop(): Promise<void>;
}

export type EngineOrSkip = { engine: TestEngine; skip?: undefined } | { engine?: undefined; skip: string };

const BUSYBOX = process.env.SHOAL_TEST_BUSYBOX ?? '/usr/bin/busybox';
const DOCKERD = process.env.SHOAL_TEST_DOCKERD ?? '/usr/sbin/dockerd';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ping(docker: Docker, timeoutMs: number, child?: ChildProcess): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child && child.exitCode !== null) return false;
    try {
      await docker.ping();
      return true;
    } catch {
      await sleep(100);
    }
  }
  return false;
}

/** The engine for this test file (started once per process). */
let shared: Promise<EngineOrSkip> | undefined;
export function testEngine(): Promise<EngineOrSkip> {
  shared ??= open().then((r) => {
    if (r.skip && process.env.SHOAL_REQUIRE_DOCKER === '1') throw new Error(`docker required: ${r.skip}`);
    return r;
  });
  return shared;
}

/**
 * A private dockerd of its own, never shared and never SHOAL_TEST_DOCKER_HOST's (benchmarks
 * compare two engines side by side); `extraArgs` go to dockerd.
 */
export function privateEngine(extraArgs: readonly string[] = []): Promise<EngineOrSkip> {
  return open(true, extraArgs);
}

async function open(fresh = false, extraArgs: readonly string[] = []): Promise<EngineOrSkip> {
  const given = fresh ? undefined : process.env.SHOAL_TEST_DOCKER_HOST;
  if (given) {
    const socketPath = given.replace(/^unix:\/\//, '');
    const docker = new Docker({ socketPath });
    if (!(await ping(docker, 5_000)))
      return { skip: `SHOAL_TEST_DOCKER_HOST=${given} does not answer /_ping` };
    return { engine: await finish(docker, given, socketPath, false, async () => {}) };
  }
  if (process.getuid?.() !== 0)
    return { skip: 'starting a private dockerd needs root (or set SHOAL_TEST_DOCKER_HOST)' };
  if (!existsSync(DOCKERD)) return { skip: `no dockerd at ${DOCKERD} (or set SHOAL_TEST_DOCKER_HOST)` };
  if (!existsSync(BUSYBOX)) return { skip: `no static busybox at ${BUSYBOX} to build test images from` };
  const dir = mkdtempSync('/tmp/shd-');
  const socketPath = join(dir, 'd.sock');
  const logFile = join(dir, 'dockerd.log');
  const child = spawn(
    DOCKERD,
    [
      `--host=unix://${socketPath}`,
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'x')}`,
      `--pidfile=${join(dir, 'd.pid')}`,
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--shutdown-timeout=2',
      '--log-level=warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] },
  );
  const killNow = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killNow);
  const docker = new Docker({ socketPath });
  if (!(await ping(docker, 30_000, child))) {
    killNow();
    const log = existsSync(logFile)
      ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ')
      : '';
    rmSync(dir, { recursive: true, force: true });
    return { skip: `dockerd did not start: ${log || 'no output'}` };
  }
  const stop = async () => {
    process.removeListener('exit', killNow);
    if (child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(killNow, 20_000);
      await exited;
      clearTimeout(t);
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const engine = await finish(docker, `unix://${socketPath}`, socketPath, true, stop);
    return { engine: { ...engine, dataRoot: join(dir, 'data') } };
  } catch (e) {
    await stop();
    return { skip: `private dockerd unusable: ${(e as Error).message}` };
  }
}

async function finish(
  docker: Docker,
  host: string,
  socketPath: string,
  owned: boolean,
  stopEngine: () => Promise<void>,
): Promise<TestEngine> {
  await buildImages(host);
  const network = await ensureNetwork(docker);
  return {
    host,
    socketPath,
    docker,
    network,
    owned,
    async stop() {
      if (owned) {
        const all = await docker.listContainers({ all: true }).catch(() => []);
        await Promise.all(
          all.map((c) =>
            docker
              .getContainer(c.Id)
              .remove({ force: true })
              .catch(() => {}),
          ),
        );
      }
      await stopEngine();
    },
  };
}

function dockerCli(host: string, args: string[], input?: Buffer): void {
  const r = spawnSync('docker', ['-H', host, ...args], { input, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.status !== 0)
    throw new Error(`docker ${args.join(' ')}: ${r.stderr?.toString().trim() || r.error?.message}`);
}

function hasImage(host: string, ref: string): boolean {
  return spawnSync('docker', ['-H', host, 'image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
}

/** A root filesystem with the static busybox and a link per applet. */
function rootfs(dir: string, page?: string): string {
  const root = join(dir, 'rootfs');
  rmSync(root, { recursive: true, force: true });
  for (const d of ['bin', 'etc', 'tmp', 'www', 'root']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(BUSYBOX, join(root, 'bin/busybox'));
  const applets = spawnSync(BUSYBOX, ['--list']).stdout.toString().split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox') symlinkSync('busybox', join(root, 'bin', a));
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
  if (page) writeFileSync(join(root, 'www/index.html'), `${page}\n`);
  return root;
}

async function buildImages(host: string): Promise<void> {
  const want = [
    { ref: IMAGES.busybox, cmd: '["sh"]', page: undefined },
    { ref: IMAGES.web1, cmd: '["httpd","-f","-p","80","-h","/www"]', page: IMAGES.web1 },
    { ref: IMAGES.web2, cmd: '["httpd","-f","-p","80","-h","/www"]', page: IMAGES.web2 },
  ].filter((i) => !hasImage(host, i.ref));
  if (want.length === 0) return;
  const work = mkdtempSync('/tmp/shoal-img-');
  try {
    for (const i of want) {
      const root = rootfs(work, i.page);
      const archive = spawnSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
      if (archive.status !== 0) throw new Error(`tar: ${archive.stderr.toString()}`);
      dockerCli(host, ['import', '-c', `CMD ${i.cmd}`, '-c', 'ENV PATH=/bin', '-', i.ref], archive.stdout);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A bridge network with its own bridge name and a random /24, so engines do not collide. */
async function ensureNetwork(docker: Docker): Promise<string> {
  const name = 'shoal-test';
  const nets = await docker.listNetworks({ filters: { name: [name] } });
  if (nets.some((n) => n.Name === name)) return name;
  for (let attempt = 0; ; attempt++) {
    const subnet = `10.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 256)}.0/24`;
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        IPAM: { Config: [{ Subnet: subnet }] },
        Options: { 'com.docker.network.bridge.name': `shd${Math.random().toString(36).slice(2, 10)}` },
      });
      return name;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
}

/** Mounts a killed dockerd may have left (overlay, netns, shm) under `dir`. */
function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n');
  } catch {
    return;
  }
  const points = mounts
    .map((l) => l.split(' ')[1] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
}
