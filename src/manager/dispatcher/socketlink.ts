/**
 * Session links over real sockets: many agents' SessionLinks multiplexed over ONE
 * connection (TCP or a unix socket) per manager address, frames tagged with a link id
 * (socketframes.ts), messages as JSON. The same interfaces as memlink.ts, so the
 * dispatcher and the agent cannot tell them apart.
 *
 *   agents' process                                         manager's process
 *   SessionSocketClient ── one connection per manager addr ── SessionSocketServer
 *     dialer(from).dial(addr) ── OPEN id {addr, nodeId?} ──▶   acceptor.accept(link)
 *     link.send(m)            ── MSG id json ─────────────▶    link's onMessage(m)
 *     link's onMessage(m)     ◀──────────── MSG id json ──     link.send(m)
 *     link.close()            ── CLOSE id ────────────────▶    onClose("closed by peer")
 *     connection lost: every link on it gets onClose("connection reset"), both sides;
 *     the next dial connects again (refused or timed out: {ok: false}, as memlink)
 *
 * Not authenticated: the link's remote.nodeId is set from what the dialer claims only when
 * the server is told to trust it (`trustNodeIds`: tests, a local socket). A TLS transport
 * would take it from the peer's certificate instead. Messages are sent in order per
 * connection, hence per link; writes are coalesced per microtask (socketframes.ts).
 * Sending never blocks: what the socket cannot take yet is buffered by Node's stream.
 */
import { connect, createServer, type NetConnectOpts, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ShoalError } from '../../base/errors.ts';
import type {
  AgentLink,
  DialResult,
  DispatcherLink,
  LinkHandler,
  LinkPeer,
  SessionAcceptor,
  SessionDialer,
  SessionLink,
} from './link.ts';
import { FRAME, FrameReader, FrameWriter } from './socketframes.ts';

export interface SocketLinkStats {
  connections: number;
  linksOpened: number;
  sent: number;
  received: number;
  bytesOut: number;
  bytesIn: number;
}

const newStats = (): SocketLinkStats => ({
  connections: 0,
  linksOpened: 0,
  sent: 0,
  received: 0,
  bytesOut: 0,
  bytesIn: 0,
});

type AnyEnd = SocketEnd<unknown, unknown>;

/** One end of one link, on a connection shared with other links. */
class SocketEnd<In, Out> implements SessionLink<In, Out> {
  closed = false;
  private handler: LinkHandler<In> | undefined;
  private inbox: In[] | undefined;
  private pendingClose: string | undefined;

  constructor(
    private readonly conn: Connection,
    readonly id: number,
    readonly remote: LinkPeer,
  ) {}

  attach(handler: LinkHandler<In>): void {
    this.handler = handler;
    const inbox = this.inbox;
    this.inbox = undefined;
    for (const m of inbox ?? []) if (this.handler === handler) handler.onMessage(m);
    if (this.pendingClose !== undefined) this.notifyClose(this.pendingClose);
  }

  send(msg: Out): boolean {
    if (this.closed) return false;
    this.conn.stats.sent++;
    this.conn.writer.push(this.id, FRAME.msg, JSON.stringify(msg));
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.ends.delete(this.id);
    this.conn.writer.push(this.id, FRAME.close);
  }

  receive(msg: In): void {
    if (this.closed) return;
    if (this.handler) this.handler.onMessage(msg);
    else {
      this.inbox ??= [];
      this.inbox.push(msg);
    }
  }

  remoteClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.ends.delete(this.id);
    if (this.handler) this.notifyClose(reason);
    else this.pendingClose = reason;
  }

  private notifyClose(reason: string): void {
    this.pendingClose = undefined;
    this.handler?.onClose(reason);
  }
}

/** One connection and the links it carries (either side). */
class Connection {
  readonly ends = new Map<number, AnyEnd>();
  readonly writer: FrameWriter;
  private readonly reader = new FrameReader();
  dead = false;
  nextId = 0;

  constructor(
    private readonly socket: Duplex,
    readonly stats: SocketLinkStats,
    private readonly onOpen: ((conn: Connection, id: number, payload: string) => void) | undefined,
    private readonly onDead: (conn: Connection) => void,
  ) {
    stats.connections++;
    this.writer = new FrameWriter((data) => {
      stats.bytesOut += data.length;
      if (!this.dead) socket.write(data);
    });
    socket.on('data', (d: Buffer) => {
      stats.bytesIn += d.length;
      try {
        this.reader.feed(d, (id, kind, payload) => this.frame(id, kind, payload));
      } catch (e) {
        if (!(e instanceof SyntaxError) && !(e as Error).message.startsWith('socketlink:')) throw e;
        this.die('protocol error');
      }
    });
    socket.on('error', () => this.die('connection reset'));
    socket.on('close', () => this.die('connection reset'));
  }

  /** Breaks the connection: every link on it closes, on both sides. */
  die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.reader.stop();
    this.socket.destroy();
    const ends = [...this.ends.values()];
    this.ends.clear();
    for (const e of ends) e.remoteClosed(reason);
    this.onDead(this);
  }

  private frame(id: number, kind: number, payload: string): void {
    if (kind === FRAME.msg) {
      this.stats.received++;
      // A link closed here may still get what the other end sent before it knew.
      this.ends.get(id)?.receive(JSON.parse(payload));
    } else if (kind === FRAME.close) {
      this.ends.get(id)?.remoteClosed('closed by peer');
    } else if (kind === FRAME.open && this.onOpen && !this.ends.has(id)) {
      this.onOpen(this, id, payload);
    } else {
      throw new Error(`socketlink: unexpected frame ${kind} for link ${id}`);
    }
  }
}

// ---- the manager's side ---------------------------------------------------------------

export interface SessionSocketServerOptions {
  acceptor: SessionAcceptor;
  /** Take the node id a dialer claims as proven (tests, a trusted local socket). */
  trustNodeIds?: boolean;
}

export class SessionSocketServer {
  readonly stats = newStats();
  private readonly conns = new Set<Connection>();
  private server: Server | undefined;

  constructor(private readonly opts: SessionSocketServerOptions) {}

  /**
   * Listens on a unix socket path or a TCP port; resolves once listening. `backlog`: how
   * many connections may wait to be accepted (Node's default 511; thousands of agents
   * connecting at once need more, within the kernel's somaxconn).
   */
  async listen(
    at: ({ path: string } | { host?: string; port: number }) & { backlog?: number },
  ): Promise<void> {
    const server = createServer((s) => this.serve(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** The TCP port or socket path listened on. */
  address(): string {
    const a = this.server?.address();
    return typeof a === 'string' ? a : a ? `${a.address}:${a.port}` : '';
  }

  /** Carries the links of one accepted connection (any ordered byte stream). */
  serve(socket: Duplex): void {
    (socket as Socket).setNoDelay?.(true);
    const conn = new Connection(
      socket,
      this.stats,
      (c, id, payload) => this.opened(c, id, payload),
      (c) => this.conns.delete(c),
    );
    this.conns.add(conn);
  }

  /** Breaks every connection (tests: a network failure). */
  sever(): number {
    const all = [...this.conns];
    for (const c of all) c.die('connection reset');
    return all.length;
  }

  /** Stops listening and breaks every connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.sever();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private opened(conn: Connection, id: number, payload: string): void {
    const who = JSON.parse(payload) as { addr?: unknown; nodeId?: unknown };
    const remote: LinkPeer = { addr: typeof who.addr === 'string' ? who.addr : '' };
    if (this.opts.trustNodeIds && typeof who.nodeId === 'string') remote.nodeId = who.nodeId;
    const end = new SocketEnd(conn, id, remote) as unknown as DispatcherLink & AnyEnd;
    conn.ends.set(id, end);
    this.stats.linksOpened++;
    this.opts.acceptor.accept(end);
  }
}

// ---- the agents' side -----------------------------------------------------------------

export interface SessionSocketClientOptions {
  /** Where a manager address is reachable (default: the address as TCP host:port). */
  resolve?: (addr: string) => NetConnectOpts;
  /** A dial that cannot connect within this fails (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * Connections per manager address, links spread round-robin (default 1). More than one
   * spreads the head-of-line blocking and the kernel's per-socket buffers.
   */
  connections?: number;
}

export class SessionSocketClient {
  readonly stats = { ...newStats(), dials: 0, refused: 0 };
  private readonly pools = new Map<string, Connection[]>();
  private readonly filling = new Map<string, Promise<ShoalError | undefined>>();
  private next = 0;
  private closed = false;

  constructor(private readonly opts: SessionSocketClientOptions = {}) {}

  /** A dialer for the node at `from` (its address and the node id it claims). */
  dialer(from: LinkPeer): SessionDialer {
    return { dial: (addr) => this.dial(from, addr) };
  }

  /** Breaks the connections to `addr` (every one without it): a network failure. */
  sever(addr?: string): number {
    let n = 0;
    for (const [a, pool] of [...this.pools]) {
      if (addr !== undefined && a !== addr) continue;
      const conns = [...pool];
      n += conns.length;
      for (const c of conns) c.die('connection reset');
    }
    return n;
  }

  /** Breaks every connection; later dials fail. */
  close(): void {
    this.closed = true;
    this.sever();
  }

  private async dial(from: LinkPeer, addr: string): Promise<DialResult> {
    this.stats.dials++;
    const want = Math.max(1, this.opts.connections ?? 1);
    let pool = this.pools.get(addr) ?? [];
    let failure: ShoalError | undefined;
    if (pool.length < want) {
      failure = await this.fill(addr, want);
      pool = this.pools.get(addr) ?? [];
    }
    const conn = pool[this.next++ % Math.max(1, pool.length)];
    if (!conn || conn.dead) {
      this.stats.refused++;
      return { ok: false, error: failure ?? new ShoalError('unavailable', `connection reset: ${addr}`) };
    }
    const id = ++conn.nextId;
    const end = new SocketEnd(conn, id, { addr }) as unknown as AgentLink & AnyEnd;
    conn.ends.set(id, end);
    this.stats.linksOpened++;
    const who: { addr: string; nodeId?: string } = { addr: from.addr };
    if (from.nodeId !== undefined) who.nodeId = from.nodeId;
    conn.writer.push(id, FRAME.open, JSON.stringify(who));
    return { ok: true, link: end };
  }

  /** Opens the missing connections to `addr`, once for every dial made meanwhile. */
  private fill(addr: string, want: number): Promise<ShoalError | undefined> {
    const pending = this.filling.get(addr);
    if (pending) return pending;
    const missing = want - (this.pools.get(addr)?.length ?? 0);
    const p = Promise.all(Array.from({ length: missing }, () => this.connect(addr)))
      .then((rs) => {
        const pool = this.pools.get(addr) ?? [];
        for (const r of rs) if (!(r instanceof ShoalError)) pool.push(r);
        if (pool.length > 0) this.pools.set(addr, pool);
        return rs.find((r): r is ShoalError => r instanceof ShoalError);
      })
      .finally(() => this.filling.delete(addr));
    this.filling.set(addr, p);
    return p;
  }

  private connect(addr: string): Promise<Connection | ShoalError> {
    if (this.closed) return Promise.resolve(new ShoalError('unavailable', `connection refused: ${addr}`));
    const where = this.opts.resolve?.(addr) ?? hostPort(addr);
    const timeoutMs = this.opts.connectTimeoutMs ?? 5_000;
    return new Promise((resolve) => {
      const socket = connect(where);
      const fail = (why: string) => {
        socket.destroy();
        resolve(new ShoalError('unavailable', `${why}: ${addr}`));
      };
      socket.setTimeout(timeoutMs, () => fail('connection timed out'));
      socket.once('error', (e: NodeJS.ErrnoException) =>
        fail(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'connection refused' : e.message),
      );
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.removeAllListeners('error');
        socket.removeAllListeners('timeout');
        if (this.closed) return fail('connection refused');
        socket.setNoDelay(true);
        const conn = new Connection(socket, this.stats, undefined, (c) => {
          const pool = this.pools.get(addr);
          const i = pool?.indexOf(c) ?? -1;
          if (pool && i >= 0) pool.splice(i, 1);
          if (pool?.length === 0) this.pools.delete(addr);
        });
        resolve(conn);
      });
    });
  }
}

function hostPort(addr: string): NetConnectOpts {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i), port: Number(addr.slice(i + 1)) };
}
