/**
 * The data path contract: ONE suite both data paths pass (userspace.test.ts, nft.test.ts).
 * A harness says where backends run and where clients dial from, so the same tests run
 * in-process (user space) or in network namespaces (kernel path).
 *
 *   dataplaneSuite('userspace', async () => userspaceHarness());
 *   dataplaneSuite('nft, local endpoints', async () => nftHarness(), { skip: reason });
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MeshDataPlane } from './dataplane.ts';
import type { Reply, TrafficApi } from './testkit/traffic.ts';
import type { MeshEndpoint, MeshPort, MeshProtocol, MeshState } from './types.ts';

export interface SuiteHarness {
  readonly dataplane: MeshDataPlane;
  /** Where task servers run, and the address they bind (endpoints point there). */
  readonly backends: TrafficApi;
  readonly backendHost: string;
  /** Whether those endpoints are on the mesh's own node. */
  readonly endpointsLocal: boolean;
  /** Where clients run, and the node address they dial for published ports. */
  readonly clients: TrafficApi;
  readonly meshHost: string;
  /** A published port number not used so far. */
  port(): Promise<number>;
  close(): Promise<void>;
}

export function endpoint(
  h: Pick<SuiteHarness, 'backendHost' | 'endpointsLocal'>,
  id: string,
  port: number,
  drainMs = 10_000,
): MeshEndpoint {
  return { id, host: h.backendHost, port, drainMs, local: h.endpointsLocal };
}

export function published(
  protocol: MeshProtocol,
  port: number,
  endpoints: MeshEndpoint[],
  over: Partial<MeshPort> = {},
): MeshPort {
  return {
    port,
    protocol,
    serviceId: 'svc',
    balance: 'round-robin',
    proxyProtocol: false,
    endpoints,
    ...over,
  };
}

export const mesh = (...ports: MeshPort[]): MeshState => ({ ports });

export async function inSequence(n: number, fn: () => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

/** Reply texts' first field (the server's name), counted. */
export function byServer(replies: Reply[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const k = r.ok ? r.text.split(':')[0]! : `!${r.code}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export function dataplaneSuite(
  title: string,
  make: () => Promise<SuiteHarness>,
  opts: { skip?: string | false; drainMs?: number } = {},
): void {
  const drainMs = opts.drainMs ?? 400;
  describe(`mesh data path contract: ${title}`, { skip: opts.skip || false }, () => {
    let h: SuiteHarness;
    before(async () => {
      h = await make();
    });
    after(async () => {
      await h?.close();
    });

    it('spreads connections round-robin over two endpoints', async () => {
      const b1 = await h.backends.tcpServer('b1', h.backendHost);
      const b2 = await h.backends.tcpServer('b2', h.backendHost);
      try {
        const p = await h.port();
        await h.dataplane.apply(
          mesh(published('tcp', p, [endpoint(h, 't1', b1.port), endpoint(h, 't2', b2.port)])),
        );
        const counts = byServer(await inSequence(10, () => h.clients.request(h.meshHost, p)));
        assert.deepEqual(counts, { b1: 5, b2: 5 });
      } finally {
        await h.backends.closeServer(b1.id);
        await h.backends.closeServer(b2.id);
      }
    });

    it('refuses a connection at once when the port has no endpoint', async () => {
      const p = await h.port();
      await h.dataplane.apply(mesh(published('tcp', p, [])));
      const replies = await inSequence(3, () => h.clients.request(h.meshHost, p, 3000));
      for (const r of replies) {
        assert.equal(r.ok, false, 'no endpoint: no answer');
        assert.ok(r.ms < 500, `refused in ${r.ms.toFixed(0)} ms, not left hanging`);
        if (!r.ok) assert.match(r.code, /^(ECONNREFUSED|ECONNRESET|EOF|CLOSED|EPIPE)$/);
      }
    });

    it('follows endpoints removed and added', async () => {
      const b1 = await h.backends.tcpServer('b1', h.backendHost);
      const b2 = await h.backends.tcpServer('b2', h.backendHost);
      try {
        const p = await h.port();
        const e1 = endpoint(h, 't1', b1.port);
        const e2 = endpoint(h, 't2', b2.port);
        await h.dataplane.apply(mesh(published('tcp', p, [e1])));
        assert.deepEqual(byServer(await inSequence(4, () => h.clients.request(h.meshHost, p))), { b1: 4 });
        await h.dataplane.apply(mesh(published('tcp', p, [e2])));
        assert.deepEqual(byServer(await inSequence(4, () => h.clients.request(h.meshHost, p))), { b2: 4 });
        await h.dataplane.apply(mesh(published('tcp', p, [e1, e2])));
        assert.deepEqual(byServer(await inSequence(4, () => h.clients.request(h.meshHost, p))), {
          b1: 2,
          b2: 2,
        });
      } finally {
        await h.backends.closeServer(b1.id);
        await h.backends.closeServer(b2.id);
      }
    });

    it('carries UDP: each client flow to an endpoint, answers back', async () => {
      const u1 = await h.backends.udpServer('u1', h.backendHost);
      const u2 = await h.backends.udpServer('u2', h.backendHost);
      try {
        const p = await h.port();
        await h.dataplane.apply(
          mesh(published('udp', p, [endpoint(h, 't1', u1.port), endpoint(h, 't2', u2.port)])),
        );
        const replies = await inSequence(4, () => h.clients.udpRequest(h.meshHost, p));
        for (const r of replies) assert.ok(r.ok && /^u[12]:ping$/.test(r.text), JSON.stringify(r));
        assert.deepEqual(byServer(replies), { u1: 2, u2: 2 });
      } finally {
        await h.backends.closeServer(u1.id);
        await h.backends.closeServer(u2.id);
      }
    });

    it('opens and closes ports as the table changes', async () => {
      const b1 = await h.backends.tcpServer('b1', h.backendHost);
      try {
        const p1 = await h.port();
        const p2 = await h.port();
        const e1 = endpoint(h, 't1', b1.port);
        await h.dataplane.apply(mesh(published('tcp', p1, [e1])));
        assert.equal(byServer([await h.clients.request(h.meshHost, p1)]).b1, 1);
        const gone = await h.clients.request(h.meshHost, p2, 1000);
        assert.equal(gone.ok, false, 'p2 not published yet');
        await h.dataplane.apply(mesh(published('tcp', p2, [e1])));
        const r1 = await h.clients.request(h.meshHost, p1, 1000);
        assert.equal(r1.ok, false, 'p1 no longer published');
        assert.ok(r1.ms < 500, `p1 refused in ${r1.ms.toFixed(0)} ms`);
        assert.equal(byServer([await h.clients.request(h.meshHost, p2)]).b1, 1);
        assert.deepEqual(h.dataplane.problems(), []);
      } finally {
        await h.backends.closeServer(b1.id);
      }
    });

    it('lets open connections of a removed endpoint finish until its drain deadline', async () => {
      const b1 = await h.backends.tcpServer('b1', h.backendHost);
      try {
        const p = await h.port();
        await h.dataplane.apply(mesh(published('tcp', p, [endpoint(h, 't1', b1.port, drainMs)])));
        const conn = await h.clients.open(h.meshHost, p);
        assert.deepEqual(conn.reply.ok && conn.reply.text, 'b1:hello');
        const t0 = performance.now();
        await h.dataplane.apply(mesh(published('tcp', p, [])));
        const still = await h.clients.send(conn.id, 'again');
        assert.equal(still.ok && still.text, 'b1:again', 'open connection goes on while draining');
        const fresh = await h.clients.request(h.meshHost, p, 1000);
        assert.equal(fresh.ok, false, 'new connections are refused');
        await sleep(Math.max(0, drainMs - (performance.now() - t0)) + 400);
        const late = await h.clients.send(conn.id, 'late', 1000);
        assert.equal(late.ok, false, `closed after the drain deadline (${JSON.stringify(late)})`);
        if (!late.ok) assert.notEqual(late.code, 'ETIMEDOUT', 'closed (reset), not silently dropped');
        await h.clients.closeConn(conn.id);
      } finally {
        await h.backends.closeServer(b1.id);
      }
    });
  });
}
