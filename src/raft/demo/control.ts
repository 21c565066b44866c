/**
 * The control API of a demo member (member.ts), JSON over node:http:
 *
 *   GET  /status           id, state, leader, term, commit, applied, lastIndex
 *   POST /put {key, value, client, seq}   propose; 200 {ok, prev} once applied here,
 *                          421 not the leader (leader known), 503 no leader / refused / timed out
 *   GET  /get?key=K        linearizable read (ReadIndex, works on followers): {key, value}
 *   POST /load {clients, seconds, valueBytes}   closed-loop load on this member (leader only)
 *   POST /transfer         hand leadership to the most up-to-date follower
 *
 * Errors answer {error, code, leader}. Only for demos, benchmarks and tests: no auth.
 */
import * as http from 'node:http';
import { ShoalError } from '../../base/errors.ts';
import type { Logger } from '../../base/logger.ts';
import { NotLeaderError } from '../errors.ts';
import { encodeKv, type KvStateMachine } from '../kv.ts';
import type { RaftNode } from '../node.ts';
import type { LoadRequest, MemberStatus, PutRequest } from './client.ts';
import { runLoad } from './load.ts';

export interface ControlDeps {
  node: RaftNode;
  kv: KvStateMachine;
  log: Logger;
  lastIndex: () => number;
}

class BadRequest extends Error {}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        const v: unknown = text ? JSON.parse(text) : {};
        if (typeof v !== 'object' || v === null) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new BadRequest('body must be a JSON object'));
      }
    });
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new BadRequest(`"${k}" must be a string`);
  return v;
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new BadRequest(`"${k}" must be a number`);
  return v;
}

export function statusOf(d: ControlDeps): MemberStatus {
  const s = d.node.status();
  return {
    id: s.id,
    state: s.state,
    leader: s.lead || null,
    term: s.term,
    commit: s.commit,
    applied: s.appliedIndex,
    lastIndex: d.lastIndex(),
  };
}

async function route(d: ControlDeps, req: http.IncomingMessage, url: URL): Promise<[number, unknown]> {
  const { node, kv } = d;
  const at = `${req.method} ${url.pathname}`;
  switch (at) {
    case 'GET /status':
      return [200, statusOf(d)];
    case 'POST /put': {
      const b = await readJson(req);
      const p: PutRequest = {
        key: str(b, 'key'),
        value: str(b, 'value'),
        client: str(b, 'client'),
        seq: num(b, 'seq'),
      };
      const result = await node.propose(encodeKv({ op: 'put', ...p }));
      return [200, result];
    }
    case 'GET /get': {
      const key = url.searchParams.get('key');
      if (key === null) throw new BadRequest('missing ?key=');
      await node.linearizableRead();
      return [200, { key, value: kv.get(key) }];
    }
    case 'POST /load': {
      const b = await readJson(req);
      const l: LoadRequest = {
        clients: num(b, 'clients'),
        seconds: num(b, 'seconds'),
        valueBytes: num(b, 'valueBytes'),
      };
      if (!node.isLeader)
        throw new NotLeaderError(node.leader, node.members.get(node.leader), 'load runs on the leader');
      d.log.info({ ...l }, 'load started');
      const r = await runLoad(node, l);
      d.log.info(
        { committed: r.committed, perSecond: Math.round(r.perSecond), p99Ms: r.p99Ms, errors: r.errors },
        'load finished',
      );
      return [200, r];
    }
    case 'POST /transfer': {
      const from = node.id;
      await node.transferLeadership();
      d.log.info({ from, to: node.leader }, 'leadership transferred on request');
      return [200, { leader: node.leader }];
    }
    default:
      return [404, { error: `no route ${at}`, code: 'not_found' }];
  }
}

function failure(d: ControlDeps, e: unknown): [number, unknown] {
  if (e instanceof BadRequest) return [400, { error: e.message, code: 'invalid_argument' }];
  const leader = d.node.leader || null;
  if (e instanceof NotLeaderError) {
    return [e.leader ? 421 : 503, { error: e.message, code: e.code, leader: e.leader || null }];
  }
  if (e instanceof ShoalError) return [503, { error: e.message, code: e.code, leader }];
  d.log.error({ err: String(e) }, 'control API: unexpected error');
  return [500, { error: String(e), code: 'internal', leader }];
}

export function createControlServer(d: ControlDeps): http.Server {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://member');
    route(d, req, url).then(
      ([status, body]) => send(res, status, body),
      (e: unknown) => {
        const [status, body] = failure(d, e);
        send(res, status, body);
      },
    );
  });
  server.keepAliveTimeout = 30_000;
  return server;
}
