/**
 * What `shoal daemon` runs, loaded only when that command runs (the other commands start
 * without the daemon's modules): the executor the node uses, the daemon, its signals.
 */
import { hostname } from 'node:os';
import pino from 'pino';
import { realClock } from '../../base/clock.ts';
import { SeededRng } from '../../base/rng.ts';
import { Daemon } from '../../daemon/daemon.ts';
import type { MeshMode } from '../../daemon/mesh.ts';
import { DockerExecutor } from '../../executor/docker/executor.ts';
import type { Executor } from '../../executor/executor.ts';
import { FakeExecutor } from '../../executor/fake/executor.ts';
import { ProcessExecutor } from '../../executor/process/executor.ts';

export interface DaemonFlags {
  dataDir: string;
  listenAddr: string;
  advertiseAddr?: string;
  host?: string[];
  executor: string;
  nodeName?: string;
  dockerHost?: string;
  dockerNetwork?: string;
  logLevel: string;
  mesh: string;
  meshAddr?: string[];
}

/** The node's own address, when the daemon was told it (`--mesh-addr`): host-mode ports bind it. */
function executorFactory(o: DaemonFlags): (node: { nodeId: string }) => Executor {
  const nodeName = o.nodeName ?? hostname();
  const nodeAddress = o.meshAddr?.[0];
  switch (o.executor) {
    case 'fake':
      return () =>
        new FakeExecutor({ clock: realClock, rng: new SeededRng(Date.now() >>> 0), hostname: nodeName });
    case 'process':
      // tasks in <data dir>/tasks/<id>/, adopted again when the daemon restarts
      return ({ nodeId }) =>
        new ProcessExecutor({
          dataDir: o.dataDir,
          hostname: nodeName,
          nodeId,
          ...(nodeAddress !== undefined && { nodeAddress }),
        });
    case 'docker':
      // The node id labels the node's containers, so daemons sharing one engine never
      // touch each other's.
      return ({ nodeId }) =>
        new DockerExecutor({
          nodeId,
          hostname: nodeName,
          ...(o.dockerHost !== undefined && { dockerHost: o.dockerHost }),
          ...(o.dockerNetwork !== undefined && { network: o.dockerNetwork }),
          pull: true,
          // ingress ports published on every address: the mesh reaches them at the node's address
          meshHostIp: '0.0.0.0',
          // host-mode ports on the node's own address when it has one (several daemons per machine)
          ...(nodeAddress !== undefined && { nodeAddress }),
        });
    default:
      throw new Error(`executor "${o.executor}" is not available in this build (use --executor fake)`);
  }
}

export async function runDaemon(o: DaemonFlags): Promise<void> {
  const logger = pino({ level: o.logLevel, base: { pid: process.pid } }, pino.destination(2));
  const daemon = new Daemon({
    dataDir: o.dataDir,
    listenAddr: o.listenAddr,
    ...(o.advertiseAddr !== undefined && { advertiseAddr: o.advertiseAddr }),
    ...(o.host !== undefined && { hosts: o.host }),
    executor: executorFactory(o),
    mesh: { mode: o.mesh as MeshMode, ...(o.meshAddr && { addresses: o.meshAddr }) },
    logger,
  });
  await daemon.start();
  console.error(`shoal daemon ready: ${daemon.endpoints.join(', ')}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    daemon.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: (e as Error).message }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
