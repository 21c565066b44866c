/**
 * A small JSON client for a demo member's control API (control.ts): what the launcher,
 * the demo, the benchmark and the tests use to talk to member processes. Keep-alive
 * connections; every call has a deadline; a refused connection is an error like any other.
 */
import * as http from 'node:http';
import type { NodeId } from '../core/types.ts';
import type { KvResult } from '../kv.ts';

export interface MemberStatus {
  id: NodeId;
  state: string;
  leader: NodeId | null;
  term: number;
  commit: number;
  applied: number;
  lastIndex: number;
}

export interface LoadRequest {
  clients: number;
  seconds: number;
  valueBytes: number;
}

export interface LoadResult extends LoadRequest {
  committed: number;
  errors: number;
  firstError: string | null;
  /** Wall time from the first proposal to the last answer. */
  elapsedMs: number;
  perSecond: number;
  /** Size of one encoded proposal (the JSON command). */
  entryBytes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface Reply<T> {
  status: number;
  body: T & { error?: string; code?: string; leader?: NodeId | null };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request to `baseUrl` + `path`; rejects on network errors and after `timeoutMs`. */
export function call<T>(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 5_000,
): Promise<Reply<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method,
        agent,
        timeout: timeoutMs,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${baseUrl}${path}: no answer in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** call(), but a non-2xx answer is an error carrying the member's message. */
export async function callOk<T>(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs?: number,
): Promise<T> {
  const r = await call<T>(baseUrl, method, path, body, timeoutMs);
  if (r.status < 200 || r.status >= 300) {
    throw new Error(`${method} ${path} on ${baseUrl}: ${r.status} ${r.body.error ?? ''}`.trim());
  }
  return r.body;
}

export interface PutRequest {
  key: string;
  value: string;
  client: string;
  seq: number;
}

export type PutReply = KvResult & { index?: number };

export const memberApi = {
  status: (url: string, timeoutMs = 1_000) =>
    callOk<MemberStatus>(url, 'GET', '/status', undefined, timeoutMs),
  put: (url: string, p: PutRequest, timeoutMs?: number) => call<PutReply>(url, 'POST', '/put', p, timeoutMs),
  get: (url: string, key: string, timeoutMs?: number) =>
    call<{ key: string; value: string | null }>(
      url,
      'GET',
      `/get?key=${encodeURIComponent(key)}`,
      undefined,
      timeoutMs,
    ),
  load: (url: string, l: LoadRequest) =>
    callOk<LoadResult>(url, 'POST', '/load', l, (l.seconds + 30) * 1_000),
  transfer: (url: string) => callOk<{ leader: NodeId }>(url, 'POST', '/transfer', {}, 10_000),
};

/** Closes idle keep-alive sockets so a process using this client can exit. */
export function closeClient(): void {
  agent.destroy();
}
