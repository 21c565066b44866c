/**
 * Test traffic: small named servers (TCP line echo, UDP echo) and clients, driven by the
 * data path suite. The same class runs in the test process (user-space path) or inside a
 * network namespace behind ns-agent.ts (kernel path), so every method takes and returns
 * plain JSON.
 *
 *   TCP server "b1": each line "x" is answered "b1:x" (" via <client>" when the
 *   connection started with a PROXY v2 header). UDP server "u1": "x" -> "u1:x".
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { decodeProxyV2, PROXY_V2_SIGNATURE } from '../userspace/proxy-v2.ts';

export type Reply = { ok: true; text: string; ms: number } | { ok: false; code: string; ms: number };

export interface TrafficApi {
  tcpServer(name: string, host: string, port?: number): Promise<{ id: string; port: number }>;
  udpServer(name: string, host: string, port?: number): Promise<{ id: string; port: number }>;
  closeServer(id: string): Promise<void>;
  /** Connect, send one line, read one line, close. */
  request(host: string, port: number, timeoutMs?: number): Promise<Reply>;
  udpRequest(host: string, port: number, timeoutMs?: number): Promise<Reply>;
  /** Open a connection kept for later `send`s; returns its id and the first exchange. */
  open(host: string, port: number): Promise<{ id: string; reply: Reply }>;
  send(connId: string, line: string, timeoutMs?: number): Promise<Reply>;
  closeConn(connId: string): Promise<void>;
  dispose(): Promise<void>;
}

let seq = 0;
const nextId = (p: string): string => `${p}${++seq}`;

export class Traffic implements TrafficApi {
  private readonly servers = new Map<string, { close(): Promise<void> }>();
  private readonly conns = new Map<string, LineConn>();

  async tcpServer(name: string, host: string, port = 0): Promise<{ id: string; port: number }> {
    const sockets = new Set<net.Socket>();
    const srv = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
      serveLines(s, name);
    });
    await new Promise<void>((res, rej) => {
      srv.once('error', rej);
      srv.listen({ host, port }, () => res());
    });
    const id = nextId('srv');
    this.servers.set(id, {
      close: () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          srv.close(() => r());
        }),
    });
    return { id, port: (srv.address() as net.AddressInfo).port };
  }

  async udpServer(name: string, host: string, port = 0): Promise<{ id: string; port: number }> {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    sock.on('message', (msg, r) => sock.send(`${name}:${msg.toString()}`, r.port, r.address));
    await new Promise<void>((res, rej) => {
      sock.once('error', rej);
      sock.bind(port, host, () => res());
    });
    const id = nextId('udp');
    this.servers.set(id, { close: () => new Promise<void>((r) => sock.close(() => r())) });
    return { id, port: sock.address().port };
  }

  async closeServer(id: string): Promise<void> {
    await this.servers.get(id)?.close();
    this.servers.delete(id);
  }

  async request(host: string, port: number, timeoutMs = 2000): Promise<Reply> {
    const t0 = performance.now();
    const c = await LineConn.connect(host, port, timeoutMs);
    if (!c.ok) return { ok: false, code: c.code, ms: performance.now() - t0 };
    const r = await c.conn.exchange('ping', timeoutMs);
    c.conn.close();
    return { ...r, ms: performance.now() - t0 };
  }

  udpRequest(host: string, port: number, timeoutMs = 1000): Promise<Reply> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      const done = (r: Reply): void => {
        clearTimeout(timer);
        sock.close();
        resolve(r);
      };
      const timer = setTimeout(
        () => done({ ok: false, code: 'ETIMEDOUT', ms: performance.now() - t0 }),
        timeoutMs,
      );
      sock.on('message', (m) => done({ ok: true, text: m.toString(), ms: performance.now() - t0 }));
      sock.on('error', (e: NodeJS.ErrnoException) =>
        done({ ok: false, code: e.code ?? 'EIO', ms: performance.now() - t0 }),
      );
      sock.connect(port, host, () => sock.send('ping'));
    });
  }

  async open(host: string, port: number): Promise<{ id: string; reply: Reply }> {
    const t0 = performance.now();
    const c = await LineConn.connect(host, port, 2000);
    if (!c.ok) return { id: '', reply: { ok: false, code: c.code, ms: performance.now() - t0 } };
    const id = nextId('conn');
    this.conns.set(id, c.conn);
    return { id, reply: await c.conn.exchange('hello', 2000) };
  }

  async send(connId: string, line: string, timeoutMs = 1000): Promise<Reply> {
    const c = this.conns.get(connId);
    if (!c) return { ok: false, code: 'ENOCONN', ms: 0 };
    return c.exchange(line, timeoutMs);
  }

  async closeConn(connId: string): Promise<void> {
    this.conns.get(connId)?.close();
    this.conns.delete(connId);
  }

  async dispose(): Promise<void> {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    this.servers.clear();
  }
}

function serveLines(s: net.Socket, name: string): void {
  let buf = Buffer.alloc(0);
  let via = '';
  let first = true;
  s.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (first) {
      const n = Math.min(buf.length, PROXY_V2_SIGNATURE.length);
      const maybeHeader = buf.subarray(0, n).equals(PROXY_V2_SIGNATURE.subarray(0, n));
      if (maybeHeader && buf.length < 16) return;
      first = false;
      const h = decodeProxyV2(buf);
      if (h) {
        if (h.header !== 'local') via = ` via ${h.header.srcHost}`;
        buf = buf.subarray(h.length);
      }
    }
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10)) {
      s.write(`${name}:${buf.subarray(0, i).toString()}${via}\n`);
      buf = buf.subarray(i + 1);
    }
  });
  s.on('end', () => s.end());
}

/** A client connection exchanging lines; remembers how it ended. */
class LineConn {
  private buf = '';
  private waiter: ((r: Reply) => void) | undefined;
  private ended: string | undefined;

  private constructor(private readonly s: net.Socket) {
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      this.buf += d;
      this.flush();
    });
    s.on('error', (e: NodeJS.ErrnoException) => this.finish(e.code ?? 'EIO'));
    s.on('end', () => this.finish('EOF'));
    s.on('close', () => this.finish('CLOSED'));
  }

  static connect(
    host: string,
    port: number,
    timeoutMs: number,
  ): Promise<{ ok: true; conn: LineConn } | { ok: false; code: string }> {
    return new Promise((resolve) => {
      const s = net.connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        s.destroy();
        resolve({ ok: false, code: 'ETIMEDOUT' });
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve({ ok: true, conn: new LineConn(s) });
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ ok: false, code: e.code ?? 'EIO' });
      });
    });
  }

  exchange(line: string, timeoutMs: number): Promise<Reply> {
    const t0 = performance.now();
    if (this.ended) return Promise.resolve({ ok: false, code: this.ended, ms: 0 });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve({ ok: false, code: 'ETIMEDOUT', ms: performance.now() - t0 });
      }, timeoutMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        resolve({ ...r, ms: performance.now() - t0 });
      };
      this.s.write(`${line}\n`);
    });
  }

  private flush(): void {
    const i = this.buf.indexOf('\n');
    if (i < 0 || !this.waiter) return;
    const text = this.buf.slice(0, i);
    this.buf = this.buf.slice(i + 1);
    const w = this.waiter;
    this.waiter = undefined;
    w({ ok: true, text, ms: 0 });
  }

  private finish(code: string): void {
    this.ended ??= code;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ ok: false, code: this.ended, ms: 0 });
  }

  close(): void {
    this.s.destroy();
  }
}
