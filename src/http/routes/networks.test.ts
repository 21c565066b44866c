import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SWARM_MESSAGES } from '../errors.ts';
import { type Harness, startHarness } from '../testing/harness.ts';

/** What `docker network create -d overlay --attachable --subnet 10.9.0.0/24 --label x=y net1` sends. */
const CLI_BODY = {
  Driver: 'overlay',
  Scope: '',
  IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.9.0.0/24' }] },
  Internal: false,
  Attachable: true,
  Ingress: false,
  ConfigOnly: false,
  ConfigFrom: null,
  Options: {},
  Labels: { x: 'y' },
  Name: 'net1',
};

describe('/networks', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ init: true });
  });
  after(() => h.close());

  it('creates an overlay network from the CLI’s request (201 {Id, Warning})', async () => {
    const a = await h.request('POST', '/networks/create', { body: CLI_BODY });
    assert.equal(a.status, 201);
    assert.deepEqual(Object.keys(a.json), ['Id', 'Warning']);
    const n = (await h.request('GET', '/networks/net1')).json;
    assert.equal(n.Id, a.json.Id);
    assert.equal(n.Name, 'net1');
    assert.equal(n.Driver, 'overlay');
    assert.equal(n.Scope, 'swarm');
    assert.equal(n.Attachable, true);
    assert.deepEqual(n.Labels, { x: 'y' });
    assert.deepEqual(n.IPAM, { Driver: 'default', Options: {}, Config: [{ Subnet: '10.9.0.0/24' }] });
    assert.equal(
      (await h.request('GET', `/networks/${a.json.Id.slice(0, 6)}?scope=swarm`)).json.Id,
      a.json.Id,
    );
    const local = await h.request('GET', '/networks/net1?scope=local');
    assert.deepEqual([local.status, local.json.message], [404, 'network net1 not found']);
  });

  it('lists with filters', async () => {
    const names = async (f?: unknown) =>
      (
        await h.request('GET', `/networks${f ? `?filters=${encodeURIComponent(JSON.stringify(f))}` : ''}`)
      ).json
        .map((n: { Name: string }) => n.Name)
        .sort();
    assert.deepEqual(await names(), ['ingress', 'net1']);
    assert.deepEqual(await names({ driver: { overlay: true }, label: ['x=y'] }), ['net1']);
    assert.deepEqual(await names({ name: ['^ing'] }), ['ingress']);
    assert.deepEqual(await names({ scope: ['local'] }), []);
    const ingress = (await h.request('GET', '/networks/ingress')).json;
    assert.equal(ingress.Ingress, true);
  });

  it('refuses what Docker refuses', async () => {
    const dup = await h.request('POST', '/networks/create', { body: CLI_BODY });
    assert.deepEqual([dup.status, dup.json.message], [409, 'network with name net1 already exists']);
    const bridge = await h.request('POST', '/networks/create', {
      body: { Name: 'bridge', Driver: 'bridge' },
    });
    assert.deepEqual(
      [bridge.status, bridge.json.message],
      [403, 'bridge is a pre-defined network and cannot be created'],
    );
    const macvlan = await h.request('POST', '/networks/create', { body: { Name: 'm', Driver: 'macvlan' } });
    assert.equal(macvlan.status, 400);
    const mistyped = await h.request('POST', '/networks/create', { body: { Name: 'm', Attachable: 'yes' } });
    assert.deepEqual(
      [mistyped.status, mistyped.json.message],
      [
        400,
        'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.Attachable of type bool',
      ],
    );
  });

  it('refuses to remove a network in use, then removes it (204)', async () => {
    await h.request('POST', '/services/create', {
      body: {
        Name: 'web',
        TaskTemplate: { ContainerSpec: { Image: 'nginx' }, Networks: [{ Target: 'net1' }] },
      },
    });
    const busy = await h.request('DELETE', '/networks/net1');
    assert.equal(busy.status, 400);
    assert.match(
      busy.json.message,
      /^rpc error: code = FailedPrecondition desc = network \w+ is in use by service \w+$/,
    );
    await h.request('DELETE', '/services/web');
    assert.deepEqual([(await h.request('DELETE', '/networks/net1')).status], [204]);
    assert.equal((await h.request('DELETE', '/networks/net1')).status, 404);
  });

  it('shows no networks off a manager and refuses to create there', async () => {
    h.backend.state = 'inactive';
    assert.deepEqual((await h.request('GET', '/networks')).json, []);
    assert.equal((await h.request('GET', '/networks/ingress')).status, 404);
    const off = await h.request('POST', '/networks/create', { body: { Name: 'n', Driver: 'overlay' } });
    assert.deepEqual([off.status, off.json.message], [503, SWARM_MESSAGES.notInSwarmManager]);
    h.backend.state = 'active';
    h.backend.role = 'worker';
    const worker = await h.request('POST', '/networks/create', { body: { Name: 'n', Driver: 'overlay' } });
    assert.deepEqual(
      [worker.status, worker.json.message],
      [
        403,
        'Cannot create a multi-host network from a worker node. Please create the network from a manager node.',
      ],
    );
    h.backend.role = 'manager';
  });
});
