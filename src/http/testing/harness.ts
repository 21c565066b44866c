/**
 * In-process HTTP tests: an ApiServer over a MemoryBackend on a unix socket in a fresh
 * temporary directory, a small client (node:http over that socket), and the oracle: every
 * JSON answer is validated against the v1.47 swagger (response schema or ErrorResponse,
 * plus no undeclared keys) unless the swagger is absent. `traces` records each request
 * with its decoded body, for checking what a real client sent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, realClock } from '../../base/clock.ts';
import { type ApiServer, createApiServer, type RequestTrace } from '../server.ts';
import { loadEngineSchema } from './engine-schema.ts';
import { MemoryBackend } from './memory-backend.ts';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
  json: any;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (no JSON encoding). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Skip the swagger check (a deliberately malformed exchange). */
  unchecked?: boolean;
}

export interface Harness {
  backend: MemoryBackend;
  api: ApiServer;
  socket: string;
  traces: RequestTrace[];
  request(method: string, path: string, opts?: RequestOptions): Promise<Answer>;
  /** Opens a streaming GET; `chunks` fills as data arrives; `close` ends it. */
  stream(path: string): Promise<{
    status: number;
    headers: IncomingHttpHeaders;
    chunks: Buffer[];
    ended: Promise<void>;
    close(): void;
  }>;
  close(): Promise<void>;
}

/** Swagger-relative path: without the /v1.NN prefix and the query. */
export function specPath(path: string): string {
  return path.replace(/^\/v[0-9.]+(?=\/)/, '').replace(/\?.*$/, '');
}

/**
 * Docker's daemon answers secret and config creation with {"ID"} (Go's SecretCreateResponse),
 * where the swagger names IdResponse {"Id"}: checked as the wire has it.
 */
function forSchema(method: string, path: string, status: number, body: unknown): unknown {
  if (method === 'POST' && /^\/(secrets|configs)\/create$/.test(path) && status === 201) {
    const { ID, ...rest } = body as { ID: string };
    return { Id: ID, ...rest };
  }
  return body;
}

export function checkAnswer(method: string, path: string, a: Answer): void {
  const schema = loadEngineSchema();
  const type = a.headers['content-type'] ?? '';
  if (schema === undefined || !type.startsWith('application/json') || a.text === '') return;
  const p = specPath(path);
  // A stream of JSON messages (GET /events): each line is one answer.
  const bodies =
    a.json === undefined && a.status < 300
      ? a.text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l))
      : [a.json];
  for (const body of bodies) {
    const problems = schema.validateResponse(method, p, a.status, forSchema(method, p, a.status, body));
    assert.deepEqual(problems, [], `${method} ${path} -> ${a.status}: the answer does not fit the swagger`);
  }
}

export async function startHarness(
  o: { init?: boolean; clock?: Clock; hostname?: string } = {},
): Promise<Harness> {
  const clock = o.clock ?? realClock;
  const backend = new MemoryBackend(clock, o.hostname);
  const traces: RequestTrace[] = [];
  const api = createApiServer({ backend, clock, trace: (t) => traces.push(t) });
  const dir = mkdtempSync(join(tmpdir(), 'shoal-http-'));
  const socket = join(dir, 'api.sock');
  await api.listen(`unix://${socket}`);
  if (o.init) await backend.swarm.init({ ListenAddr: '0.0.0.0:2377' });

  const request = (method: string, path: string, opts: RequestOptions = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (payload !== undefined && opts.rawBody === undefined) headers['Content-Type'] ??= 'application/json';
      const req = httpRequest({ socketPath: socket, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          const a: Answer = { status: res.statusCode ?? 0, headers: res.headers, text, raw, json };
          try {
            if (!opts.unchecked) checkAnswer(method, path, a);
            resolve(a);
          } catch (e) {
            reject(e);
          }
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });

  const stream: Harness['stream'] = (path) =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ socketPath: socket, method: 'GET', path }, (res) => {
        const chunks: Buffer[] = [];
        const ended = new Promise<void>((done) => {
          res.on('end', done);
          res.on('close', done);
        });
        res.on('data', (c: Buffer) => chunks.push(c));
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          chunks,
          ended,
          close: () => req.destroy(),
        });
      });
      req.on('error', (e) => {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e);
      });
      req.end();
    });

  return {
    backend,
    api,
    socket,
    traces,
    request,
    stream,
    async close() {
      await api.close();
      backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` passes (fake tasks and store events arrive a tick later). */
export async function eventually(check: () => void | Promise<void>, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
