import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addTask, rejects, setup, spec } from './testing.ts';

const overlay = (name: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  DriverConfiguration: { Name: 'overlay' },
  ...extra,
});

describe('createNetwork', () => {
  it('stores an overlay network, swarm-scoped, with labels and attachable', async () => {
    const { api } = setup();
    const n = await api.createNetwork({ Name: 'backend', Attachable: true, Labels: { team: 'a' } });
    assert.deepEqual(n.Spec, {
      Name: 'backend',
      Attachable: true,
      Labels: { team: 'a' },
      DriverConfiguration: { Name: 'overlay' },
      Scope: 'swarm',
    });
  });

  it("refuses a taken name in the Engine's words, pre-defined names, and a second ingress", async () => {
    const { api } = setup();
    await api.createNetwork(overlay('backend'));
    await rejects(
      api.createNetwork(overlay('Backend')),
      'already_exists',
      'network with name Backend already exists',
      409,
    );
    await rejects(
      api.createNetwork(overlay('bridge')),
      'invalid_argument',
      'bridge is a pre-defined network and cannot be created',
      403,
    );
    const ingress = await api.createNetwork(overlay('ingress', { Ingress: true }));
    await rejects(
      api.createNetwork(overlay('mesh', { Ingress: true })),
      'already_exists',
      `rpc error: code = AlreadyExists desc = ingress network (${ingress.ID}) is already present`,
    );
  });
});

describe('removeNetwork', () => {
  it('refuses while a service is attached or a task still runs on it', async () => {
    const f = setup();
    const { api } = f;
    const n = await api.createNetwork(overlay('backend'));
    const attached = {
      TaskTemplate: { ContainerSpec: { Image: 'nginx' }, Networks: [{ Target: 'backend' }] },
    };
    const web = await api.createService(spec('web', attached));
    await rejects(
      api.removeNetwork('backend'),
      'failed_precondition',
      `rpc error: code = FailedPrecondition desc = network ${n.ID} is in use by service ${web.ID}`,
      400,
    );
    await api.removeService('web');
    const onNet = [{ Network: { ID: n.ID }, Addresses: ['10.0.1.5/24'] }];
    await addTask(f, 't1', web.ID, {
      Status: { Timestamp: '', State: 'running' },
      NetworksAttachments: onNet,
    });
    await rejects(
      api.removeNetwork(n.ID),
      'failed_precondition',
      `rpc error: code = FailedPrecondition desc = network ${n.ID} is in use by task t1`,
    );
    await f.store.update((tx) => {
      const t = tx.tasks.get('t1');
      if (t) tx.tasks.update(t, { Status: { Timestamp: '', State: 'shutdown' }, DesiredState: 'shutdown' });
    });
    await api.removeNetwork(n.ID);
    await rejects(api.getNetwork('backend'), 'not_found', 'network backend not found');
  });

  it('keeps the ingress network while a service publishes through it, and a predefined one always', async () => {
    const { api } = setup();
    const ingress = await api.createNetwork(overlay('ingress', { Ingress: true }));
    const web = await api.createService(
      spec('web', { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 80 }] } }),
    );
    await rejects(
      api.removeNetwork('ingress'),
      'failed_precondition',
      `rpc error: code = FailedPrecondition desc = ingress network cannot be removed because service ${web.ID} depends on it`,
    );
    await api.updateService('web', web.Version.Index, { ...web.Spec, EndpointSpec: { Mode: 'vip' } });
    await api.removeNetwork(ingress.ID);
  });

  it('never removes a swarm predefined network', async () => {
    const { api, store } = setup();
    await store.update((tx) =>
      tx.networks.create({
        ID: 'ingress000000000000000001',
        Spec: { Name: 'ingress', Ingress: true, Labels: { 'com.docker.swarm.predefined': 'true' } },
      }),
    );
    await rejects(
      api.removeNetwork('ingress'),
      'failed_precondition',
      'rpc error: code = FailedPrecondition desc = network ingress000000000000000001 (ingress) is a swarm predefined network and cannot be removed',
    );
  });
});

describe('listNetworks', () => {
  it("applies the Engine's network filters", async () => {
    const { api } = setup();
    await api.createNetwork(overlay('front-net', { Labels: { tier: 'front' } }));
    const back = await api.createNetwork(overlay('back-net', { Labels: { tier: 'back', pci: 'yes' } }));
    await api.createService(
      spec('db', { TaskTemplate: { ContainerSpec: { Image: 'pg' }, Networks: [{ Target: 'back-net' }] } }),
    );
    const names = async (filters: Record<string, unknown>) =>
      (await api.listNetworks({ filters })).map((n) => n.Spec.Name).sort();
    assert.deepEqual(await names({}), ['back-net', 'front-net']);
    assert.deepEqual(await names({ name: ['back-net'] }), ['back-net']);
    assert.deepEqual(await names({ name: ['^fr.*-net$'] }), ['front-net']);
    assert.deepEqual(await names({ name: ['net'] }), ['back-net', 'front-net']);
    assert.deepEqual(await names({ id: [back.ID.slice(0, 5)] }), ['back-net']);
    assert.deepEqual(await names({ label: ['tier'] }), ['back-net', 'front-net']);
    assert.deepEqual(await names({ label: ['tier=back', 'pci'] }), ['back-net']);
    assert.deepEqual(await names({ driver: ['overlay'], scope: ['swarm'] }), ['back-net', 'front-net']);
    assert.deepEqual(await names({ driver: ['bridge'] }), []);
    assert.deepEqual(await names({ scope: ['local'] }), []);
    assert.deepEqual(await names({ type: ['custom'] }), ['back-net', 'front-net']);
    assert.deepEqual(await names({ type: ['builtin'] }), []);
    assert.deepEqual(await names({ dangling: ['true'] }), ['front-net']);
    assert.deepEqual(await names({ dangling: ['0'] }), ['back-net']);
    await rejects(
      api.listNetworks({ filters: { type: ['odd'] } }),
      'invalid_argument',
      "invalid filter: 'type'='odd'",
      500,
    );
    await rejects(
      api.listNetworks({ filters: { dangling: ['maybe'] } }),
      'invalid_argument',
      `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`,
    );
    await rejects(
      api.listNetworks({ filters: { dangling: ['true', 'false'] } }),
      'invalid_argument',
      'got more than one value for filter key "dangling"',
    );
  });
});
