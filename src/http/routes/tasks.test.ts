import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, type Harness, startHarness } from '../testing/harness.ts';

const q = (filters: unknown) => `?filters=${encodeURIComponent(JSON.stringify(filters))}`;

describe('/tasks', () => {
  let h: Harness;
  let serviceId = '';
  before(async () => {
    h = await startHarness({ init: true });
    const net = await h.request('POST', '/networks/create', { body: { Name: 'back', Driver: 'overlay' } });
    const created = await h.request('POST', '/services/create', {
      body: {
        Name: 'web',
        Mode: { Replicated: { Replicas: 2 } },
        TaskTemplate: { ContainerSpec: { Image: 'nginx:1.27' }, Networks: [{ Target: 'back' }] },
      },
    });
    serviceId = created.json.ID;
    await eventually(async () => assert.equal((await h.request('GET', '/tasks')).json.length, 2));
    // What the allocator would add: an address on the network.
    const store = h.backend.store;
    assert.ok(store);
    await store.update((tx) => {
      const t = tx.tasks.byService(serviceId).find((x) => x.Slot === 1);
      assert.ok(t);
      tx.tasks.update({
        ...t,
        NetworksAttachments: [{ Network: { ID: net.json.Id }, Addresses: ['10.0.1.3/24'] }],
      });
    });
  });
  after(() => h.close());

  it('lists the Engine’s Task, without our bookkeeping', async () => {
    const tasks = (await h.request('GET', '/tasks')).json;
    const t = tasks.find((x: { Slot: number }) => x.Slot === 1);
    assert.equal(t.ServiceID, serviceId);
    assert.equal(t.Status.State, 'running');
    assert.equal(t.DesiredState, 'running');
    assert.equal(t.SpecVersion, undefined);
    assert.equal(t.ServiceAnnotations, undefined);
    assert.equal(t.Endpoint, undefined);
    assert.equal(t.NetworksAttachments[0].Network.Spec.Name, 'back');
    assert.deepEqual(t.NetworksAttachments[0].Addresses, ['10.0.1.3/24']);
    assert.equal(t.Spec.ContainerSpec.Image, 'nginx:1.27');
  });

  it('filters as docker service ps and the CLI’s progress do', async () => {
    const ids = async (f: unknown) => (await h.request('GET', `/tasks${q(f)}`)).json.length;
    assert.equal(await ids({ service: { web: true } }), 2);
    assert.equal(await ids({ service: [serviceId], 'desired-state': ['running'] }), 2);
    assert.equal(
      await ids({ service: { [serviceId]: true }, _up_to_date: undefined, '_up-to-date': { true: true } }),
      2,
    );
    assert.equal(await ids({ 'desired-state': ['shutdown'] }), 0);
    assert.equal(await ids({ node: [h.backend.nodeId] }), 2);
    assert.equal(await ids({ name: ['web.1'] }), 1);
    const unknown = await h.request('GET', `/tasks${q({ service: ['nope'] })}`);
    assert.deepEqual([unknown.status, unknown.json.message], [404, 'service nope not found']);
    const badState = await h.request('GET', `/tasks${q({ 'desired-state': ['sleeping'] })}`);
    assert.deepEqual(
      [badState.status, badState.json.message],
      [400, "Invalid desired-state filter: 'sleeping'"],
    );
  });

  it('inspects by id, full name or prefix', async () => {
    const [t] = (await h.request('GET', `/tasks${q({ name: ['web.2'] })}`)).json;
    assert.equal((await h.request('GET', `/tasks/${t.ID}`)).json.Slot, 2);
    assert.equal((await h.request('GET', `/tasks/web.2.${t.ID}`)).json.ID, t.ID);
    assert.equal((await h.request('GET', `/tasks/${t.ID.slice(0, 12)}`)).json.ID, t.ID);
    const missing = await h.request('GET', '/tasks/zzz');
    assert.deepEqual([missing.status, missing.json.message], [404, 'task zzz not found']);
  });
});
