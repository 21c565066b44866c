/**
 * A process hosting one Raft member, for the local demo cluster, the benchmark and the
 * multi-process tests (launched by cluster.ts):
 *
 *   node --import tsx src/raft/demo/member.ts --id m1 --data DIR \
 *     --raft 127.0.0.1:7001 --http 127.0.0.1:8001 \
 *     --peers m1=127.0.0.1:7001,m2=127.0.0.1:7002,m3=127.0.0.1:7003 \
 *     --tls-key m1.key --tls-cert m1.crt --tls-ca ca.crt   (or SHOAL_TLS_KEY/CERT/CA as PEM)
 *
 * FileStorage in DIR (fsynced WAL), GrpcTransport with mutual TLS (certificate CN = id),
 * a KvStateMachine, and RaftNode on the real clock (tick 100 ms, election 10 ticks,
 * heartbeat 1). A member listed in --peers whose data directory holds no state yet writes
 * the founding log (bootstrapEntries, each member's address as context); otherwise the
 * stored log is authoritative and --peers is ignored. The control API (control.ts) listens
 * on --http. SIGTERM or SIGINT (or the launcher's IPC channel closing): hand leadership
 * over, stop, exit 0. SIGKILL is the crash case.
 * Logs: pino, JSON lines on stderr.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { realClock } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import { systemRng } from '../../base/rng.ts';
import { bootstrapEntries } from '../core/bootstrap.ts';
import { KvStateMachine } from '../kv.ts';
import { RaftNode } from '../node.ts';
import { FileStorage } from '../storage/file.ts';
import { GrpcTransport } from '../transport/grpc.ts';
import { createControlServer } from './control.ts';

const { values: args } = parseArgs({
  options: {
    id: { type: 'string' },
    data: { type: 'string' },
    raft: { type: 'string' },
    http: { type: 'string' },
    peers: { type: 'string', default: '' },
    'tls-key': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-ca': { type: 'string' },
  },
});

function required(name: keyof typeof args): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') {
    process.stderr.write(`member: --${name} is required\n`);
    process.exit(2);
  }
  return v;
}

function pem(flag: 'tls-key' | 'tls-cert' | 'tls-ca', env: string): string {
  const file = args[flag];
  if (file) return readFileSync(file, 'utf8');
  const v = process.env[env];
  if (!v) {
    process.stderr.write(`member: --${flag} or ${env} is required\n`);
    process.exit(2);
  }
  return v;
}

function hostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i), port: Number(addr.slice(i + 1)) };
}

const id = required('id');
const dataDir = required('data');
const raftAddr = required('raft');
const httpAddr = required('http');
const tls = {
  key: pem('tls-key', 'SHOAL_TLS_KEY'),
  cert: pem('tls-cert', 'SHOAL_TLS_CERT'),
  ca: pem('tls-ca', 'SHOAL_TLS_CA'),
};
const peers = (args.peers ?? '')
  .split(',')
  .filter(Boolean)
  .map((p) => {
    const [pid, addr] = p.split('=');
    if (!pid || !addr) throw new Error(`member: bad --peers item "${p}" (want id=host:port)`);
    return { id: pid, address: addr };
  });

const log: Logger = pino(
  { name: id, level: process.env.SHOAL_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination({ dest: 2, sync: true }),
);

process.on('uncaughtException', (e) => {
  log.error({ err: e.stack ?? String(e) }, 'uncaught exception: exiting');
  process.exit(1);
});

const storage = FileStorage.open(dataDir, { logger: log });
const fresh = storage.initialState().hardState.term === 0 && storage.snapshot().meta.index === 0;
const founding = peers.some((p) => p.id === id);
if (fresh && founding) {
  // Written in one save: a crash part way leaves no hard state, and the next start writes it again.
  const enc = new TextEncoder();
  const boot = bootstrapEntries(peers.map((p) => ({ id: p.id, context: enc.encode(p.address) })));
  await storage.save(boot.hardState, boot.entries);
}
const kv = new KvStateMachine();
const transport = new GrpcTransport({ id, listen: raftAddr, tls, logger: log });
const node = new RaftNode({
  id,
  address: raftAddr,
  storage,
  transport,
  stateMachine: kv,
  clock: realClock,
  rng: systemRng(),
  logger: log,
  tickMs: 100,
  electionTick: 10,
  heartbeatTick: 1,
});
await node.start();

const server = createControlServer({ node, kv, log, lastIndex: () => storage.lastIndex() });
const { host, port } = hostPort(httpAddr);
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, resolve);
});
log.info(
  {
    raft: raftAddr,
    http: httpAddr,
    data: dataDir,
    bootstrapped: fresh && founding,
    lastIndex: storage.lastIndex(),
    term: node.status().term,
  },
  fresh && founding ? 'member started with a new cluster log' : 'member started from its stored log',
);

let stopping = false;
function shutdown(why: string): void {
  if (stopping) return;
  stopping = true;
  // Hand leadership over only to a follower that is replicating: when every peer is gone
  // (the last member of a cluster being shut down), a transfer would only wait out its timeout.
  const st = node.status();
  const transfer = [...st.progress].some(([p, pr]) => p !== id && pr.state === 'replicate' && !pr.isLearner);
  log.info({ leader: node.isLeader, transfer: node.isLeader && transfer }, `${why}: stopping`);
  server.close();
  server.closeAllConnections();
  node.stop({ transfer }).then(
    () => {
      log.info({}, 'member stopped');
      process.exit(0);
    },
    (e: unknown) => {
      log.error({ err: String(e) }, 'stop failed');
      process.exit(1);
    },
  );
}
// A storage failure stops the driver for good (RaftNode.failure): exit, so a supervisor
// restarts the member from its WAL instead of leaving a member that answers but never serves.
const watchdog = setInterval(() => {
  if (!node.failure) return;
  log.error({ err: node.failure.message }, 'raft driver failed: exiting');
  process.exit(1);
}, 1_000);
watchdog.unref();
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
// Launched with an IPC channel (cluster.ts): when the launcher is gone, so are we.
if (process.connected) process.on('disconnect', () => shutdown('launcher exited'));
