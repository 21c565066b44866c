/**
 * Routing mesh benchmark: requests/s and latency through the mesh versus straight to the
 * task, for the user-space and the nft data paths, with the task on the mesh's node
 * (local) and on another node (remote: a second network namespace across a veth link).
 *
 *   node --import tsx bench/mesh/run.ts [SECONDS=4] [CONNECTIONS=16] [ROUNDS=3]
 *
 * As root on Linux with nft, everything runs inside private namespaces (the host's rules
 * are never touched); otherwise only the user-space local case runs, on 127.0.0.1.
 * Each case: a throughput run (CONNECTIONS keep-alive connections, closed loop) and a
 * latency run (one connection); the task (server.ts), the user-space mesh (mesh-proc.ts)
 * and the load generator (loadgen.ts) are separate processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NftDataPlane } from '../../src/network/mesh/nft/nft-dataplane.ts';
import { kernelTestsUnavailable, linkNamespaces, NetNs } from '../../src/network/mesh/testkit/netns.ts';

const SECONDS = process.argv[2] ?? '4';
const CONNS = process.argv[3] ?? '16';
/** Paths are measured in turn, ROUNDS times; each figure is the median of its rounds. */
const ROUNDS = Number(process.argv[4] ?? '3');
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

interface Load {
  requests: number;
  rps: number;
  p50us: number;
  p99us: number;
  errors: number;
}

function node(ns: string | undefined, script: string, ...args: string[]): ChildProcess {
  const argv = [process.execPath, '--import', 'tsx', here(script), ...args];
  const full = ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv;
  return spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
}

function firstLine(c: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: c.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    c.once('exit', (code) => reject(new Error(`child exited (${code})`)));
  });
}

async function daemon(ns: string | undefined, script: string, ...args: string[]): Promise<ChildProcess> {
  const c = node(ns, script, ...args);
  await firstLine(c);
  return c;
}

async function load(ns: string | undefined, host: string, port: number, conns: string): Promise<Load> {
  const c = node(ns, 'loadgen.ts', host, String(port), conns, SECONDS, '1');
  return JSON.parse(await firstLine(c)) as Load;
}

interface Row {
  scenario: string;
  path: string;
  tput: Load;
  lat: Load;
  /** Per round, against the direct run of the same round: throughput ratio, added p50/p99. */
  paired?: { ratio: number; addP50: number; addP99: number }[];
}

async function measure(
  scenario: string,
  path: string,
  ns: string | undefined,
  host: string,
  port: number,
): Promise<Row> {
  const tput = await load(ns, host, port, CONNS);
  const lat = await load(ns, host, port, '1');
  console.error(
    `${scenario} ${path}: ${tput.rps} req/s (c=${CONNS}), p50 ${lat.p50us} us, p99 ${lat.p99us} us (c=1)`,
  );
  return { scenario, path, tput, lat };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function medianRow(runs: Row[]): Row {
  const m = (f: (r: Row) => number): number => median(runs.map(f));
  const pick = (f: (r: Row) => Load): Load => ({
    requests: m((r) => f(r).requests),
    rps: m((r) => f(r).rps),
    p50us: m((r) => f(r).p50us),
    p99us: m((r) => f(r).p99us),
    errors: runs.reduce((n, r) => n + f(r).errors, 0),
  });
  return {
    scenario: runs[0]!.scenario,
    path: runs[0]!.path,
    tput: pick((r) => r.tput),
    lat: pick((r) => r.lat),
  };
}

function stop(c: ChildProcess | undefined): void {
  c?.stdin?.end();
}

async function scenario(
  rows: Row[],
  name: string,
  clientNs: string | undefined,
  serverNs: string | undefined,
  serverHost: string,
  meshHost: string,
  withNft: boolean,
): Promise<void> {
  const server = await daemon(serverNs, 'server.ts', serverHost, '9000');
  let mesh: ChildProcess | undefined;
  // The nft table is loaded for the whole case, so conntrack is active in every run
  // (as on any node running containers): the direct figures pay for it too.
  const nft = withNft && clientNs ? new NftDataPlane({ netns: clientNs }) : undefined;
  try {
    await nft?.apply({
      ports: [
        {
          port: 8081,
          protocol: 'tcp',
          serviceId: 'bench',
          balance: 'round-robin',
          proxyProtocol: false,
          endpoints: [
            { id: 'task', host: serverHost, port: 9000, drainMs: 1000, local: serverNs === clientNs },
          ],
        },
      ],
    });
    mesh = await daemon(clientNs, 'mesh-proc.ts', meshHost, '8080', serverHost, '9000');
    const runs: Record<string, Row[]> = { direct: [], userspace: [], nft: [] };
    for (let i = 0; i < ROUNDS; i++) {
      runs.direct!.push(await measure(name, 'direct', clientNs, serverHost, 9000));
      runs.userspace!.push(await measure(name, 'userspace', clientNs, meshHost, 8080));
      if (nft) runs.nft!.push(await measure(name, 'nft', clientNs, meshHost, 8081));
    }
    for (const r of Object.values(runs)) {
      if (!r.length) continue;
      const row = medianRow(r);
      row.paired = r.map((x, i) => {
        const d = runs.direct![i]!;
        return {
          ratio: x.tput.rps / d.tput.rps,
          addP50: x.lat.p50us - d.lat.p50us,
          addP99: x.lat.p99us - d.lat.p99us,
        };
      });
      rows.push(row);
    }
  } finally {
    stop(mesh);
    await nft?.close();
    stop(server);
  }
}

function table(rows: Row[]): string {
  const out = [
    `| case | path | req/s (c=${CONNS}) | vs direct | p50 µs (c=1) | added p50 | p99 µs (c=1) | added p99 | errors |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const span = (xs: number[], f: (x: number) => string): string =>
    `${f(median(xs))} (${f(Math.min(...xs))}..${f(Math.max(...xs))})`;
  for (const r of rows) {
    const p = r.paired ?? [];
    const direct = r.path === 'direct';
    const ratio = direct
      ? '1'
      : span(
          p.map((x) => x.ratio),
          (x) => x.toFixed(2),
        );
    const us = (x: number): string => `${x >= 0 ? '+' : ''}${x}`;
    const a50 = direct
      ? ''
      : span(
          p.map((x) => x.addP50),
          us,
        );
    const a99 = direct
      ? ''
      : span(
          p.map((x) => x.addP99),
          us,
        );
    out.push(
      `| ${r.scenario} | ${r.path} | ${r.tput.rps} | ${ratio} | ${r.lat.p50us} | ${a50} | ${r.lat.p99us} | ${a99} | ${r.tput.errors + r.lat.errors} |`,
    );
  }
  out.push(
    '',
    `Medians of ${ROUNDS} rounds; "vs direct" and "added" are per-round pairs (median (min..max)).`,
  );
  return out.join('\n');
}

const rows: Row[] = [];
const why = await kernelTestsUnavailable();
if (why) {
  console.error(`kernel path skipped (${why}): user-space, local case only, on 127.0.0.1`);
  await scenario(rows, 'local', undefined, undefined, '127.0.0.1', '127.0.0.1', false);
} else {
  const a = await NetNs.create('bench-a');
  const b = await NetNs.create('bench-b');
  try {
    await linkNamespaces(a, b, '10.202.0.1', '10.202.0.2');
    await scenario(rows, 'local', a.name, a.name, '127.0.0.1', '127.0.0.1', true);
    await scenario(rows, 'remote', a.name, b.name, '10.202.0.2', '10.202.0.1', true);
  } finally {
    await a.destroy();
    await b.destroy();
  }
}
console.log(table(rows));
