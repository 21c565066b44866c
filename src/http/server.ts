/**
 * createApiServer: the Engine-compatible API as a library. The daemon mounts `handler` on
 * whatever it listens with (or calls `listen` for a unix socket, TCP, or TCP+TLS), and
 * `close` ends everything the server owns: its listeners, idle keep-alive connections and
 * the streams still open (events, logs with follow).
 *
 *   request ─► headers every answer carries (Api-Version, Ostype, Docker-Experimental,
 *              Server) ─► router (version prefix, route) ─► handler(ctx) ─► Reply
 *              ─► JSON / text / nothing; a thrown error ─► errors.ts table ─► {"message"}
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { Clock } from '../base/clock.ts';
import { type Logger, nullLogger } from '../base/logger.ts';
import type { Backend } from './backend.ts';
import { createContext, type Reply } from './context.ts';
import { errorAnswer, pageNotFound } from './errors.ts';
import { API_VERSION, createRouter, locate } from './router.ts';
import { allRoutes } from './routes/index.ts';

export interface RequestTrace {
  method: string;
  url: string;
  status: number;
  /** The decoded JSON body, when the route read one. */
  body?: unknown;
  ms: number;
}

export interface ApiServerOptions {
  backend: Backend;
  logger?: Logger;
  clock: Clock;
  /** Called after every request (debug logging, tests that record what a client sends). */
  trace?: (t: RequestTrace) => void;
}

export interface ApiServer {
  /** A node:http request listener. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Listens on `unix:///path`, a path, `tcp://host:port` or `host:port` (TLS when given
   * `tls`); resolves with the address listened on.
   */
  listen(address: string, opts?: { tls?: TlsOptions & SecureContextOptions }): Promise<string>;
  close(): Promise<void>;
}

function setCommonHeaders(res: ServerResponse, engineVersion: string): void {
  res.setHeader('Api-Version', API_VERSION);
  res.setHeader('Ostype', 'linux');
  res.setHeader('Docker-Experimental', 'false');
  res.setHeader('Server', `Docker/${engineVersion} (linux)`);
}

function write(res: ServerResponse, reply: Reply, head: boolean): void {
  if (reply.kind === 'streamed') return;
  res.statusCode = reply.status;
  if (reply.kind === 'empty') {
    res.end();
    return;
  }
  const [type, body] =
    reply.kind === 'json'
      ? ['application/json', `${JSON.stringify(reply.body)}\n`]
      : [reply.type ?? 'text/plain; charset=utf-8', reply.body];
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(head ? undefined : body);
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const { backend, clock } = opts;
  const log = (opts.logger ?? nullLogger).child({ component: 'http' });
  const router = createRouter(allRoutes);
  const open = new Set<AbortController>();
  const servers: Server[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = clock.now();
    const ac = new AbortController();
    open.add(ac);
    const abort = () => ac.abort();
    res.on('close', abort);
    let status = 500;
    let body: unknown;
    try {
      setCommonHeaders(res, backend.version().Version);
      const url = new URL(req.url ?? '/', 'http://engine');
      const { version, path } = locate(url.pathname);
      const match = router.find(req.method ?? 'GET', path);
      if (match === undefined) throw pageNotFound();
      const ctx = createContext({
        req,
        res,
        params: match.params,
        query: url.searchParams,
        apiVersion: version,
        backend,
        log,
        clock,
        signal: ac.signal,
      });
      try {
        const reply = await match.handler(ctx);
        write(res, reply, req.method === 'HEAD');
      } finally {
        body = ctx.trace.body;
      }
      status = res.statusCode;
    } catch (e) {
      const a = errorAnswer(e);
      status = a.status;
      if (a.unexpected)
        log.error({ err: e instanceof Error ? e.stack : String(e), url: req.url }, 'request failed');
      if (res.headersSent) res.destroy();
      else write(res, { kind: 'json', status: a.status, body: { message: a.message } }, false);
    } finally {
      open.delete(ac);
      res.off('close', abort);
      const ms = clock.now() - started;
      log.debug({ method: req.method, url: req.url, status, ms }, 'request');
      opts.trace?.({
        method: req.method ?? '',
        url: req.url ?? '',
        status,
        ms,
        ...(body !== undefined ? { body } : {}),
      });
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };

  return {
    handler,
    async listen(address, listenOpts = {}) {
      const server = listenOpts.tls ? createTlsServer(listenOpts.tls, handler) : createServer(handler);
      const unix = address.startsWith('unix://') ? address.slice('unix://'.length) : undefined;
      const path = unix ?? (address.startsWith('/') || address.startsWith('.') ? address : undefined);
      await new Promise<void>((ok, fail) => {
        server.once('error', fail);
        if (path !== undefined) {
          if (existsSync(path)) {
            fail(new Error(`listen ${path}: the socket file exists (another daemon, or a stale file)`));
            return;
          }
          server.listen(path, ok);
        } else {
          const hostPort = address.replace(/^tcp:\/\//, '');
          const i = hostPort.lastIndexOf(':');
          const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
          server.listen(Number(hostPort.slice(i + 1)), host, ok);
        }
      });
      servers.push(server);
      const a = server.address();
      return typeof a === 'string' ? `unix://${a}` : a === null ? address : `tcp://${a.address}:${a.port}`;
    },
    async close() {
      for (const ac of open) ac.abort();
      await Promise.all(
        servers.splice(0).map(
          (s) =>
            new Promise<void>((ok) => {
              s.close(() => ok());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
