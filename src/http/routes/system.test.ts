import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SWARM_MESSAGES } from '../errors.ts';
import { type Harness, startHarness } from '../testing/harness.ts';
import { TEST_ENGINE_VERSION } from '../testing/memory-backend.ts';

describe('/_ping, /version, /info and routing', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('answers HEAD and GET /_ping with the headers the CLI reads', async () => {
    for (const method of ['HEAD', 'GET']) {
      const a = await h.request(method, '/_ping');
      assert.equal(a.status, 200);
      assert.equal(a.text, method === 'GET' ? 'OK' : '');
      assert.equal(a.headers['api-version'], '1.47');
      assert.equal(a.headers.ostype, 'linux');
      assert.equal(a.headers['docker-experimental'], 'false');
      assert.equal(a.headers.swarm, 'inactive');
      assert.equal(a.headers['builder-version'], '1');
      assert.equal(a.headers['cache-control'], 'no-cache, no-store, must-revalidate');
      assert.equal(a.headers.server, `Docker/${TEST_ENGINE_VERSION} (linux)`);
      assert.equal(a.headers['content-length'], method === 'GET' ? '2' : '0');
    }
  });

  it('routes with and without a version prefix, refusing versions out of range', async () => {
    assert.equal((await h.request('GET', '/v1.24/version')).status, 200);
    assert.equal((await h.request('GET', '/v1.47/_ping')).status, 200);
    const old = await h.request('GET', '/v1.23/version');
    assert.equal(old.status, 400);
    assert.equal(
      old.json.message,
      'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
    );
    const young = await h.request('GET', '/v1.48/info');
    assert.deepEqual(
      [young.status, young.json.message],
      [400, 'client version 1.48 is too new. Maximum supported API version is 1.47'],
    );
    assert.equal(young.headers['api-version'], '1.47');
    const missing = await h.request('GET', '/v1.47/containers/json');
    assert.deepEqual([missing.status, missing.json], [404, { message: 'page not found' }]);
    assert.equal((await h.request('PUT', '/nodes')).status, 404);
    assert.equal((await h.request('GET', '/version/')).status, 200);
  });

  it('answers /version with the API range', async () => {
    const v = (await h.request('GET', '/version')).json;
    assert.equal(v.Version, TEST_ENGINE_VERSION);
    assert.equal(v.ApiVersion, '1.47');
    assert.equal(v.MinAPIVersion, '1.24');
    assert.equal(v.Components[0].Name, 'Engine');
  });

  it('answers /info before, on and off a manager', async () => {
    const inactive = (await h.request('GET', '/info')).json;
    assert.equal(inactive.Name, 'shoal-test');
    assert.deepEqual(inactive.Swarm, {
      NodeID: '',
      NodeAddr: '',
      LocalNodeState: 'inactive',
      ControlAvailable: false,
      Error: '',
      RemoteManagers: [],
    });
    const nodeId = await h.backend.swarm.init({});
    await h.backend.addNode('w00000000000000000000000a', 'worker-a');
    const active = (await h.request('GET', '/info')).json;
    assert.equal(active.Swarm.NodeID, nodeId);
    assert.equal(active.Swarm.LocalNodeState, 'active');
    assert.equal(active.Swarm.ControlAvailable, true);
    assert.equal(active.Swarm.Nodes, 2);
    assert.equal(active.Swarm.Managers, 1);
    assert.equal(active.Swarm.Cluster.Spec.Name, 'default');
    assert.equal(active.Swarm.Cluster.Spec.Raft.ElectionTick, 10);
    assert.equal(active.Swarm.Cluster.Spec.Dispatcher.HeartbeatPeriod, 5_000_000_000);
    assert.equal(active.Swarm.Cluster.JoinTokens, undefined);
    assert.deepEqual(active.Swarm.RemoteManagers, [{ NodeID: nodeId, Addr: '10.0.0.1:2377' }]);
    assert.equal((await h.request('HEAD', '/_ping')).headers.swarm, 'active/manager');
    await h.backend.addNode('m00000000000000000000000b', 'manager-b', 'manager');
    const two = (await h.request('GET', '/info')).json;
    assert.match(two.Warnings.join('\n'), /two-manager configuration/);

    await h.backend.swarm.leave(true);
    await h.backend.swarm.join({ RemoteAddrs: ['10.0.0.9:2377'], JoinToken: 'SWMTKN-1-x' });
    assert.equal((await h.request('HEAD', '/_ping')).headers.swarm, 'active/worker');
    const worker = (await h.request('GET', '/info')).json;
    assert.equal(worker.Swarm.ControlAvailable, false);
    assert.equal(worker.Swarm.Nodes, undefined);
    const refused = await h.request('GET', '/nodes');
    assert.deepEqual([refused.status, refused.json.message], [503, SWARM_MESSAGES.worker]);
    h.backend.state = 'locked';
    assert.equal((await h.request('HEAD', '/_ping')).headers.swarm, 'locked');
    assert.equal((await h.request('GET', '/services')).json.message, SWARM_MESSAGES.locked);
    await h.backend.swarm.leave(true);
  });

  it('degrades a registry lookup so the CLI warns and goes on', async () => {
    const a = await h.request('GET', '/v1.47/distribution/docker.io/library/nginx:1.27/json');
    assert.equal(a.status, 501);
    assert.match(a.json.message, /^cannot resolve docker.io\/library\/nginx:1.27 on a registry/);
    assert.equal((await h.request('GET', '/distribution/nginx')).status, 404);
    h.backend.distribution = async (image) => ({
      Descriptor: {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: `sha256:${'a'.repeat(64)}`,
        size: 1,
      },
      Platforms: [{ architecture: image.length > 0 ? 'amd64' : '', os: 'linux' }],
    });
    const ok = await h.request('GET', '/distribution/nginx:1.27/json');
    assert.equal(ok.status, 200);
    assert.equal(ok.json.Platforms[0].os, 'linux');
    h.backend.distribution = undefined;
  });
});
