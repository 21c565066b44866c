/**
 * LocalDaemons: `shoal daemon` processes on one machine, each on its own loopback address
 * (127.0.0.2, 127.0.0.3, ...) with the cluster port 2377, its own data directory and API
 * socket, and its log (pino JSON lines) in `<dir>/<name>.log`. For the demo and its test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from './engine.ts';

const SHOAL_BIN = fileURLToPath(new URL('../../bin/shoal', import.meta.url));

export interface DaemonHandle {
  name: string;
  /** The node's cluster address, host:port. */
  addr: string;
  dataDir: string;
  socket: string;
  logFile: string;
  engine: Engine;
  proc: ChildProcess | undefined;
}

export interface LocalDaemonsOptions {
  dir: string;
  count: number;
  executor: string;
  /** First loopback address's last byte (default 2: 127.0.0.2). */
  firstHost?: number;
  port?: number;
  /** Extra environment for the daemons. */
  env?: Record<string, string>;
}

export class LocalDaemons {
  readonly daemons: DaemonHandle[] = [];

  constructor(private readonly opts: LocalDaemonsOptions) {
    const first = opts.firstHost ?? 2;
    for (let i = 0; i < opts.count; i++) {
      const name = `node${i + 1}`;
      const dataDir = join(opts.dir, name);
      const socket = join(dataDir, 'shoal.sock');
      this.daemons.push({
        name,
        addr: `127.0.0.${first + i}:${opts.port ?? 2377}`,
        dataDir,
        socket,
        logFile: join(opts.dir, `${name}.log`),
        engine: new Engine(socket),
        proc: undefined,
      });
    }
  }

  /** Starts every daemon and waits until each answers /_ping. */
  async start(timeoutMs = 30_000): Promise<void> {
    for (const d of this.daemons) this.spawn(d);
    await Promise.all(this.daemons.map((d) => this.waitReady(d, timeoutMs)));
  }

  private spawn(d: DaemonHandle): void {
    mkdirSync(d.dataDir, { recursive: true });
    const log = openSync(d.logFile, 'a');
    const host = d.addr.slice(0, d.addr.lastIndexOf(':'));
    d.proc = spawn(
      process.execPath,
      [
        SHOAL_BIN,
        'daemon',
        '--data-dir',
        d.dataDir,
        '--listen-addr',
        d.addr,
        '--advertise-addr',
        host,
        '--host',
        `unix://${d.socket}`,
        '--executor',
        this.opts.executor,
        '--node-name',
        d.name,
        // Each node's routing mesh on its own address: the daemons share one machine.
        '--mesh-addr',
        host,
      ],
      { stdio: ['ignore', log, log], env: { ...process.env, ...this.opts.env } },
    );
    closeSync(log);
    const proc = d.proc;
    proc.on('exit', () => {
      if (d.proc === proc) d.proc = undefined;
    });
  }

  private async waitReady(d: DaemonHandle, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!d.proc) throw new Error(`${d.name} exited at start; see ${d.logFile}`);
      if (existsSync(d.socket)) {
        try {
          await d.engine.get('/_ping');
          return;
        } catch {
          // not serving yet
        }
      }
      if (Date.now() > deadline)
        throw new Error(`${d.name} did not answer in ${timeoutMs} ms; see ${d.logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM to all (a leader hands over first), SIGKILL to what is left after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const running = this.daemons.filter((d) => d.proc);
    await Promise.all(
      running.map(
        (d) =>
          new Promise<void>((resolve) => {
            const p = d.proc;
            if (!p || p.exitCode !== null) return resolve();
            const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
            p.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
  }
}
