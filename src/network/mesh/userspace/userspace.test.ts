/**
 * The user-space data path: the shared contract (in-process servers and clients on
 * 127.0.0.1), then what only it does: least-connections, PROXY v2, bind failures.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { byServer, dataplaneSuite, endpoint, inSequence, mesh, published } from '../dataplane-suite.ts';
import { freePort } from '../testkit/ports.ts';
import { Traffic } from '../testkit/traffic.ts';
import type { PortProblem } from '../types.ts';
import { UserspaceDataPlane } from './userspace-dataplane.ts';

const HOST = '127.0.0.1';
const local = { backendHost: HOST, endpointsLocal: true };

dataplaneSuite('userspace', async () => {
  const traffic = new Traffic();
  const dataplane = new UserspaceDataPlane({ addresses: [HOST] });
  return {
    dataplane,
    backends: traffic,
    clients: traffic,
    backendHost: HOST,
    meshHost: HOST,
    endpointsLocal: true,
    port: () => freePort(HOST),
    close: async () => {
      await dataplane.close();
      await traffic.dispose();
    },
  };
});

describe('userspace data path', () => {
  it('least-connections sends new connections to the endpoint with the fewest open', async () => {
    const t = new Traffic();
    const dp = new UserspaceDataPlane({ addresses: [HOST] });
    try {
      const b1 = await t.tcpServer('b1', HOST);
      const b2 = await t.tcpServer('b2', HOST);
      const p = await freePort();
      const eps = [endpoint(local, 't1', b1.port), endpoint(local, 't2', b2.port)];
      await dp.apply(mesh(published('tcp', p, eps, { balance: 'least-connections' })));
      const held = await t.open(HOST, p); // one long connection on one endpoint
      const busy = held.reply.ok ? held.reply.text.split(':')[0] : '';
      // Short connections, each given time to close at the mesh before the next one.
      const counts = byServer(await inSequence(4, () => sleep(30).then(() => t.request(HOST, p))));
      const idle = busy === 'b1' ? 'b2' : 'b1';
      assert.deepEqual(counts, { [idle]: 4 }, 'short connections avoid the busy endpoint');
    } finally {
      await dp.close();
      await t.dispose();
    }
  });

  it("sends a PROXY v2 header with the client's address when the port asks for it", async () => {
    const t = new Traffic();
    const dp = new UserspaceDataPlane({ addresses: [HOST] });
    try {
      const b1 = await t.tcpServer('b1', HOST);
      const [p, q] = [await freePort(), await freePort()];
      await dp.apply(
        mesh(
          published('tcp', p, [endpoint(local, 't1', b1.port)], { proxyProtocol: true }),
          published('tcp', q, [endpoint(local, 't1', b1.port)]),
        ),
      );
      const r = await t.request(HOST, p);
      assert.equal(r.ok && r.text, 'b1:ping via 127.0.0.1');
      const plain = await t.request(HOST, q);
      assert.equal(plain.ok && plain.text, 'b1:ping');
    } finally {
      await dp.close();
      await t.dispose();
    }
  });

  it('reports a port it cannot bind, and opens it once it is free', async () => {
    const problems: PortProblem[] = [];
    const recovered: number[] = [];
    const p = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(p, HOST, () => r()));
    const dp = new UserspaceDataPlane({
      addresses: [HOST],
      retryMs: 100,
      onPortProblem: (x) => problems.push(x),
      onPortRecovered: (x) => recovered.push(x.port),
    });
    try {
      await dp.apply(mesh(published('tcp', p, [], { serviceId: 'web' })));
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.code, 'EADDRINUSE');
      assert.equal(problems[0]!.serviceId, 'web');
      assert.match(problems[0]!.message, /EADDRINUSE/);
      assert.deepEqual(
        dp.problems().map((x) => x.port),
        [p],
      );
      await new Promise<void>((r) => squatter.close(() => r()));
      for (let i = 0; i < 30 && recovered.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(recovered, [p]);
      assert.deepEqual(dp.problems(), []);
      assert.equal(problems.length, 1, 'reported once, not at every retry');
    } finally {
      await dp.close();
      squatter.close();
    }
  });

  it('listens on every address by default (IPv4 loopback reaches it)', async () => {
    const t = new Traffic();
    const dp = new UserspaceDataPlane();
    try {
      const b1 = await t.tcpServer('b1', HOST);
      const p = await freePort();
      await dp.apply(mesh(published('tcp', p, [endpoint(local, 't1', b1.port)])));
      assert.equal(byServer([await t.request(HOST, p)]).b1, 1);
    } finally {
      await dp.close();
      await t.dispose();
    }
  });
});
