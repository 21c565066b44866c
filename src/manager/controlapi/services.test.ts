import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileTarget } from '../../api/validate/fixtures.ts';
import { newService } from '../../store/testing.ts';
import { addTask, rejects, setup, spec } from './testing.ts';

describe('createService', () => {
  it('stores the normalised spec with a fresh id and spec version 0', async () => {
    const { api, store } = setup();
    const svc = await api.createService(spec('web', { Labels: { tier: 'front' } }));
    assert.equal(svc.ID.length, 25);
    assert.ok(svc.Version.Index > 0);
    assert.deepEqual(svc.Spec.Mode, { Replicated: { Replicas: 1 } });
    assert.equal(svc.Spec.TaskTemplate.ForceUpdate, 0);
    assert.deepEqual(svc.SpecVersion, { Index: 0 });
    assert.equal(svc.PreviousSpec, undefined);
    assert.equal(
      store.view((tx) => tx.services.byName('web')?.ID),
      svc.ID,
    );
  });

  it('names a nameless service, as the daemon does', async () => {
    const { api } = setup();
    const svc = await api.createService({ TaskTemplate: { ContainerSpec: { Image: 'nginx' } } });
    assert.match(svc.Spec.Name, /^[a-z]+_[a-z]+$/);
  });

  it('gives a job its first iteration', async () => {
    const { api } = setup();
    const svc = await api.createService(spec('once', { Mode: { ReplicatedJob: {} } }));
    assert.equal(svc.JobStatus?.JobIteration.Index, 0);
    assert.equal(svc.JobStatus?.LastExecution, '2025-01-01T00:00:00.000Z');
  });

  it('refuses an invalid spec with the first problem, in swarmkit words, and writes nothing', async () => {
    const { api, store } = setup();
    const e = await rejects(
      api.createService(spec('bad.name')),
      'invalid_argument',
      'rpc error: code = InvalidArgument desc = name must be valid as a DNS name component',
      400,
    );
    assert.equal(e.problems[0]?.field, 'Name');
    assert.equal(
      store.view((tx) => tx.services.count()),
      0,
    );
  });

  it('refuses a taken name (case-insensitively)', async () => {
    const { api } = setup();
    await api.createService(spec('web'));
    await rejects(
      api.createService(spec('WEB')),
      'already_exists',
      'rpc error: code = AlreadyExists desc = name conflicts with an existing object: service WEB already exists',
      409,
    );
  });

  it('resolves network references to ids, and refuses unknown ones and the ingress network', async () => {
    const { api } = setup();
    const net = await api.createNetwork({ Name: 'backend', DriverConfiguration: { Name: 'overlay' } });
    const svc = await api.createService(
      spec('web', { TaskTemplate: { ContainerSpec: { Image: 'nginx' }, Networks: [{ Target: 'backend' }] } }),
    );
    assert.equal(svc.Spec.TaskTemplate.Networks?.[0]?.Target, net.ID);
    await rejects(
      api.createService(
        spec('api', { TaskTemplate: { ContainerSpec: { Image: 'nginx' }, Networks: [{ Target: 'nope' }] } }),
      ),
      'not_found',
      'network nope not found',
      404,
    );
    await api.createNetwork({ Name: 'ingress', Ingress: true, DriverConfiguration: { Name: 'overlay' } });
    await rejects(
      api.createService(
        spec('api', {
          TaskTemplate: { ContainerSpec: { Image: 'nginx' }, Networks: [{ Target: 'ingress' }] },
        }),
      ),
      'invalid_argument',
      'rpc error: code = InvalidArgument desc = Service cannot be explicitly attached to the ingress network "ingress"',
    );
  });

  it('checks referenced secrets, published ports and the ingress network in the transaction', async () => {
    const { api } = setup();
    const withSecret = spec('web', {
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx',
          Secrets: [{ SecretID: 'nope00000000000000000000', SecretName: 'pw', File: fileTarget('pw') }],
        },
      },
    });
    await rejects(
      api.createService(withSecret),
      'invalid_argument',
      'rpc error: code = InvalidArgument desc = secret not found: pw',
    );
    const published = (name: string) =>
      spec(name, { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }] } });
    await rejects(
      api.createService(published('web')),
      'failed_precondition',
      'rpc error: code = FailedPrecondition desc = service needs ingress network, but no ingress network is present',
      400,
    );
    await api.createNetwork({ Name: 'ingress', Ingress: true, DriverConfiguration: { Name: 'overlay' } });
    const web = await api.createService(published('web'));
    await rejects(
      api.createService(published('api')),
      'invalid_argument',
      `rpc error: code = InvalidArgument desc = port '8080' is already in use by service 'web' (${web.ID}) as an ingress port`,
    );
  });
});

describe('getService', () => {
  it('resolves a full id, an exact name, a unique id prefix; says when a prefix is ambiguous', async () => {
    const { api, store } = setup();
    await store.update((tx) => {
      tx.services.create(newService('abc000000000000000000001a', 'web'));
      tx.services.create(newService('abc000000000000000000002b', 'api'));
    });
    assert.equal((await api.getService('abc000000000000000000001a')).Spec.Name, 'web');
    assert.equal((await api.getService('api')).ID, 'abc000000000000000000002b');
    assert.equal((await api.getService('abc000000000000000000001')).Spec.Name, 'web');
    await rejects(
      api.getService('abc'),
      'invalid_argument',
      'service abc is ambiguous (2 matches found)',
      400,
    );
    await rejects(api.getService('nope'), 'not_found', 'service nope not found', 404);
    await rejects(api.getService('Web'), 'not_found', 'service Web not found');
  });

  it('shows the defaults Docker interpolates when asked', async () => {
    const { api } = setup();
    await api.createService(spec('web'));
    const plain = await api.getService('web');
    const full = await api.getService('web', { insertDefaults: true });
    assert.equal(plain.Spec.UpdateConfig, undefined);
    assert.equal(full.Spec.UpdateConfig?.Parallelism, 1);
    assert.equal(full.Spec.TaskTemplate.ContainerSpec?.StopGracePeriod, 10e9);
  });
});

describe('listServices', () => {
  async function three() {
    const f = setup();
    await f.api.createService(spec('web', { Labels: { tier: 'front', team: 'a' } }));
    await f.api.createService(spec('webapp', { Labels: { tier: 'back' } }));
    await f.api.createService(spec('api', { Mode: { Global: {} } }));
    return f;
  }
  const names = (list: ReadonlyArray<{ Spec: { Name: string } }>) => list.map((s) => s.Spec.Name).sort();

  it('filters by name prefix, id prefix, label and mode, in both filter shapes', async () => {
    const { api } = await three();
    assert.deepEqual(names(await api.listServices()), ['api', 'web', 'webapp']);
    assert.deepEqual(names(await api.listServices({ filters: { name: { web: true } } })), ['web', 'webapp']);
    assert.deepEqual(names(await api.listServices({ filters: { name: ['api'] } })), ['api']);
    assert.deepEqual(names(await api.listServices({ filters: '{"label":{"tier":true}}' })), [
      'web',
      'webapp',
    ]);
    assert.deepEqual(names(await api.listServices({ filters: { label: ['tier=front', 'team'] } })), ['web']);
    assert.deepEqual(names(await api.listServices({ filters: { mode: ['global'] } })), ['api']);
    assert.deepEqual(names(await api.listServices({ filters: { mode: ['replicated'], name: ['webapp'] } })), [
      'webapp',
    ]);
    const web = await api.getService('web');
    assert.deepEqual(names(await api.listServices({ filters: { id: [web.ID.slice(0, 6)] } })), ['web']);
  });

  it("refuses a filter it does not know, in moby's words", async () => {
    const { api } = await three();
    await rejects(
      api.listServices({ filters: { color: ['red'] } }),
      'invalid_argument',
      "Invalid filter 'color'",
      400,
    );
  });

  it('counts running, desired and completed tasks', async () => {
    const f = await three();
    const web = await f.api.getService('web');
    const api = await f.api.getService('api');
    await addTask(f, 't1', web.ID, { Status: { Timestamp: '', State: 'running' } });
    await addTask(f, 't2', web.ID, { Status: { Timestamp: '', State: 'failed' }, DesiredState: 'shutdown' });
    await addTask(f, 't3', api.ID, { Status: { Timestamp: '', State: 'running' } });
    await addTask(f, 't4', api.ID, { Status: { Timestamp: '', State: 'pending' } });
    await addTask(f, 't5', api.ID, { Status: { Timestamp: '', State: 'running' }, DesiredState: 'shutdown' });
    const list = await f.api.listServices({ status: true });
    const status = (name: string) => list.find((s) => s.Spec.Name === name)?.ServiceStatus;
    assert.deepEqual(status('web'), { RunningTasks: 1, DesiredTasks: 1, CompletedTasks: 0 });
    assert.deepEqual(status('api'), { RunningTasks: 2, DesiredTasks: 2, CompletedTasks: 0 });
    assert.equal((await f.api.listServices())[0]?.ServiceStatus, undefined);
  });

  it("counts a job's current iteration only", async () => {
    const f = setup();
    const job = await f.api.createService(
      spec('once', { Mode: { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 4 } } }),
    );
    const done = { Status: { Timestamp: '', State: 'complete' as const }, DesiredState: 'complete' as const };
    await addTask(f, 'old', job.ID, { ...done, JobIteration: { Index: 0 } });
    await f.api.updateService('once', job.Version.Index, job.Spec);
    await addTask(f, 'new1', job.ID, { ...done, JobIteration: { Index: 1 } });
    await addTask(f, 'new2', job.ID, {
      Status: { Timestamp: '', State: 'running' },
      DesiredState: 'complete',
      JobIteration: { Index: 1 },
    });
    const [listed] = await f.api.listServices({ status: true });
    assert.deepEqual(listed?.ServiceStatus, { RunningTasks: 1, DesiredTasks: 2, CompletedTasks: 1 });
  });
});

describe('removeService', () => {
  it('removes by reference, then the service is gone', async () => {
    const { api } = setup();
    await api.createService(spec('web'));
    await api.removeService('web');
    await rejects(api.getService('web'), 'not_found', 'service web not found');
    await rejects(api.removeService('web'), 'not_found', 'service web not found');
  });
});
