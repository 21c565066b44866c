/**
 * The kernel data path, in private network namespaces only (the host's rules are never
 * touched): the shared contract twice (one node with local clients on 127.0.0.1; remote
 * clients and remote endpoints across a veth link), then what only it does.
 * Skipped, with the reason, when not root on Linux with nft and ip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  byServer,
  dataplaneSuite,
  endpoint,
  mesh,
  published,
  type SuiteHarness,
} from '../dataplane-suite.ts';
import { kernelTestsUnavailable, linkNamespaces, NetNs } from '../testkit/netns.ts';
import { RemoteTraffic } from '../testkit/remote-traffic.ts';
import { detectNft } from './detect.ts';
import { NftDataPlane } from './nft-dataplane.ts';

const unavailable = await kernelTestsUnavailable();
const skip = unavailable ? `kernel path tests need root, Linux, nft and ip (${unavailable})` : false;
if (skip) console.log(`# SKIP ${skip}`);

/** Tears down what was made so far when a step fails. */
async function building<T>(cleanup: Array<() => Promise<void>>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    for (const c of cleanup.reverse()) await c().catch(() => {});
    throw e;
  }
}

async function oneNode(): Promise<SuiteHarness> {
  const cleanup: Array<() => Promise<void>> = [];
  return building(cleanup, async () => {
    const ns = await NetNs.create('node');
    cleanup.push(() => ns.destroy());
    const traffic = await RemoteTraffic.start(ns.name);
    cleanup.push(() => traffic.dispose());
    const dataplane = new NftDataPlane({ netns: ns.name });
    cleanup.push(() => dataplane.close());
    let next = 20_000;
    return {
      dataplane,
      backends: traffic,
      clients: traffic,
      backendHost: '127.0.0.1',
      meshHost: '127.0.0.1',
      endpointsLocal: true,
      port: async () => ++next,
      close: async () => {
        for (const c of cleanup.reverse()) await c().catch(() => {});
      },
    };
  });
}

/** Node A runs the mesh; B, across a veth link, runs both the clients and the tasks. */
async function twoNodes(): Promise<SuiteHarness & { node: NetNs; nodeTraffic: RemoteTraffic }> {
  const cleanup: Array<() => Promise<void>> = [];
  return building(cleanup, async () => {
    const a = await NetNs.create('a');
    cleanup.push(() => a.destroy());
    const b = await NetNs.create('b');
    cleanup.push(() => b.destroy());
    await linkNamespaces(a, b, '10.201.0.1', '10.201.0.2');
    const remote = await RemoteTraffic.start(b.name);
    cleanup.push(() => remote.dispose());
    const nodeTraffic = await RemoteTraffic.start(a.name);
    cleanup.push(() => nodeTraffic.dispose());
    const dataplane = new NftDataPlane({ netns: a.name });
    cleanup.push(() => dataplane.close());
    let next = 21_000;
    return {
      dataplane,
      backends: remote,
      clients: remote,
      backendHost: '10.201.0.2',
      meshHost: '10.201.0.1',
      endpointsLocal: false,
      node: a,
      nodeTraffic,
      port: async () => ++next,
      close: async () => {
        for (const c of cleanup.reverse()) await c().catch(() => {});
      },
    };
  });
}

dataplaneSuite('nft, one node, local clients and endpoints on 127.0.0.1', oneNode, { skip });
dataplaneSuite('nft, remote clients and remote endpoints (veth, masquerade)', twoNodes, { skip });

describe('nft data path', { skip }, () => {
  it('detects nft support inside a namespace', async () => {
    const ns = await NetNs.create('detect');
    try {
      assert.deepEqual(await detectNft({ netns: ns.name }), { ok: true });
      assert.equal(await ns.exec('nft', 'list', 'tables'), '', 'the dry run leaves nothing behind');
    } finally {
      await ns.destroy();
    }
  });

  it('a local client on 127.0.0.1 reaches a remote endpoint (route_localnet + masquerade)', async () => {
    const h = await twoNodes();
    try {
      const b1 = await h.backends.tcpServer('b1', h.backendHost);
      const u1 = await h.backends.udpServer('u1', h.backendHost);
      await h.dataplane.apply(
        mesh(
          published('tcp', 8080, [endpoint(h, 't1', b1.port)]),
          published('udp', 8080, [endpoint(h, 't1', u1.port)]),
        ),
      );
      assert.deepEqual(byServer([await h.nodeTraffic.request('127.0.0.1', 8080)]), { b1: 1 });
      assert.deepEqual(byServer([await h.nodeTraffic.request('10.201.0.1', 8080)]), { b1: 1 });
      const u = await h.nodeTraffic.udpRequest('127.0.0.1', 8080);
      assert.equal(u.ok && u.text, 'u1:ping');
    } finally {
      await h.close();
    }
  });

  it('programs one table and removes it on close', async () => {
    const ns = await NetNs.create('table');
    try {
      const dp = new NftDataPlane({ netns: ns.name });
      await dp.apply(
        mesh(published('tcp', 80, [{ id: 't', host: '127.0.0.1', port: 81, drainMs: 0, local: true }])),
      );
      assert.match(await ns.exec('nft', 'list', 'tables'), /table ip shoal-mesh/);
      assert.equal(dp.transactions, 1);
      await dp.close();
      assert.equal(await ns.exec('nft', 'list', 'tables'), '');
    } finally {
      await ns.destroy();
    }
  });

  it('reports a state nft refuses, with its message', async () => {
    const ns = await NetNs.create('bad');
    const seen: string[] = [];
    const dp = new NftDataPlane({ netns: ns.name, onPortProblem: (p) => seen.push(p.message) });
    try {
      await dp.apply(
        mesh(published('tcp', 80, [{ id: 't', host: '999.0.0.1', port: 81, drainMs: 0, local: true }])),
      );
      assert.equal(dp.problems().length, 1);
      assert.match(seen[0] ?? '', /nft/);
    } finally {
      await dp.close();
      await ns.destroy();
    }
  });
});
