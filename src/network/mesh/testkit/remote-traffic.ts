/**
 * RemoteTraffic: the TrafficApi of a Traffic running in another process, usually inside a
 * network namespace (ns-agent.ts). Used by the kernel path's tests and the benchmark.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Reply, TrafficApi } from './traffic.ts';

const AGENT = fileURLToPath(new URL('./ns-agent.ts', import.meta.url));

export class RemoteTraffic implements TrafficApi {
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private next = 0;

  private constructor(private readonly child: ChildProcess) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      const m = JSON.parse(line) as { id?: number; result?: unknown; error?: string };
      if (m.id === undefined) return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
    });
    child.once('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('traffic agent exited'));
      this.waiting.clear();
    });
  }

  /** Starts an agent in namespace `netns` (or here when undefined); resolves when ready. */
  static start(netns?: string): Promise<RemoteTraffic> {
    const node = [process.execPath, '--import', 'tsx', AGENT];
    const argv = netns ? ['ip', 'netns', 'exec', netns, ...node] : node;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', () => {
        rl.close();
        resolve(new RemoteTraffic(child));
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`traffic agent exited (${code})`)));
    });
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, method, args })}\n`);
    });
  }

  tcpServer(name: string, host: string, port?: number): Promise<{ id: string; port: number }> {
    return this.call('tcpServer', name, host, port);
  }
  udpServer(name: string, host: string, port?: number): Promise<{ id: string; port: number }> {
    return this.call('udpServer', name, host, port);
  }
  closeServer(id: string): Promise<void> {
    return this.call('closeServer', id);
  }
  request(host: string, port: number, timeoutMs?: number): Promise<Reply> {
    return this.call('request', host, port, timeoutMs);
  }
  udpRequest(host: string, port: number, timeoutMs?: number): Promise<Reply> {
    return this.call('udpRequest', host, port, timeoutMs);
  }
  open(host: string, port: number): Promise<{ id: string; reply: Reply }> {
    return this.call('open', host, port);
  }
  send(connId: string, line: string, timeoutMs?: number): Promise<Reply> {
    return this.call('send', connId, line, timeoutMs);
  }
  closeConn(connId: string): Promise<void> {
    return this.call('closeConn', connId);
  }

  /** Ends the agent (stdin closed: it disposes its servers and exits). */
  async dispose(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
