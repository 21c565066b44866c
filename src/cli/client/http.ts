/**
 * The CLI's HTTP transport: node:http over the daemon's unix socket (or TCP), JSON in and
 * out, Engine paths under /v1.47. A non-2xx answer becomes a DaemonError with the
 * daemon's `message`; a daemon that is not there becomes Docker's "Cannot connect" line.
 */
import { type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import { CliError, DaemonError } from './errors.ts';
import type { Endpoint } from './host.ts';

export const API_VERSION = '1.47';

export type Query = Record<string, string | number | boolean | undefined>;

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
}

export function pathWithQuery(path: string, query: Query = {}): string {
  const q = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `/v${API_VERSION}${path}${q ? `?${q}` : ''}`;
}

function daemonMessage(a: Answer): string {
  const text = a.body.toString('utf8');
  try {
    const j = JSON.parse(text) as { message?: string };
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: the text itself
  }
  return text.trim() || `${a.status}`;
}

export class HttpClient {
  constructor(
    readonly endpoint: Endpoint,
    readonly hostText: string,
  ) {}

  private open(method: string, path: string, o: RequestOptions): Promise<IncomingMessage> {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const target =
      this.endpoint.kind === 'unix'
        ? { socketPath: this.endpoint.socketPath }
        : { host: this.endpoint.host, port: this.endpoint.port };
    return new Promise((resolve, reject) => {
      const req = request({ ...target, method, path: pathWithQuery(path, o.query), headers }, resolve);
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES') {
          reject(
            new CliError(
              `Cannot connect to the Shoal daemon at ${this.hostText}. Is the shoal daemon running?`,
            ),
          );
        } else reject(e);
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  async request(method: string, path: string, o: RequestOptions = {}): Promise<Answer> {
    const res = await this.open(method, path, o);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const a: Answer = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
    if (a.status >= 400) throw new DaemonError(a.status, daemonMessage(a));
    return a;
  }

  async json<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const a = await this.request(method, path, o);
    const text = a.body.toString('utf8');
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** A streaming GET (logs): the response, after the status was checked. */
  async stream(path: string, o: RequestOptions = {}): Promise<IncomingMessage> {
    const res = await this.open('GET', path, o);
    if ((res.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const a = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
      throw new DaemonError(a.status, daemonMessage(a));
    }
    return res;
  }
}
