import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceSpec } from '../../api/service.ts';
import type { Stored } from '../../store/index.ts';
import { newService } from '../../store/testing.ts';
import { rejects, setup, spec } from './testing.ts';

const image = (s: Stored<ServiceSpec>, img: string) => ({
  ...s,
  TaskTemplate: { ...s.TaskTemplate, ContainerSpec: { ...s.TaskTemplate.ContainerSpec, Image: img } },
});

describe('updateService', () => {
  it('replaces the spec at the given version; the old one becomes PreviousSpec', async () => {
    const { api } = setup();
    const v1 = await api.createService(spec('web'));
    const v2 = await api.updateService('web', v1.Version.Index, image(v1.Spec, 'nginx:1.28'));
    assert.equal(v2.Spec.TaskTemplate.ContainerSpec?.Image, 'nginx:1.28');
    assert.equal(v2.PreviousSpec?.TaskTemplate.ContainerSpec?.Image, 'nginx:1.27');
    assert.deepEqual(v2.SpecVersion, { Index: v1.Version.Index });
    assert.ok(v2.Version.Index > v1.Version.Index);
  });

  it('refuses a stale version as swarmkit does (update out of sequence), writing nothing', async () => {
    const { api } = setup();
    const v1 = await api.createService(spec('web'));
    await api.updateService('web', v1.Version.Index, image(v1.Spec, 'nginx:1.28'));
    await rejects(
      api.updateService('web', v1.Version.Index, image(v1.Spec, 'nginx:1.29')),
      'conflict',
      'rpc error: code = Unknown desc = update out of sequence',
      500,
    );
    assert.equal((await api.getService('web')).Spec.TaskTemplate.ContainerSpec?.Image, 'nginx:1.28');
  });

  it('lets exactly one of two updates based on the same version win', async () => {
    const { api } = setup();
    const v1 = await api.createService(spec('web'));
    const results = await Promise.allSettled([
      api.updateService('web', v1.Version.Index, image(v1.Spec, 'a:1')),
      api.updateService('web', v1.Version.Index, image(v1.Spec, 'b:1')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    assert.equal((await api.getService('web')).Spec.TaskTemplate.ContainerSpec?.Image, 'a:1');
  });

  it('keeps the spec version and previous spec when the spec does not change, but clears UpdateStatus', async () => {
    const { api, store } = setup();
    const v1 = await api.createService(spec('web'));
    const v2 = await api.updateService('web', v1.Version.Index, image(v1.Spec, 'nginx:1.28'));
    // the updater paused the rollout
    await store.update((tx) => {
      const s = tx.services.get(v2.ID);
      if (s) tx.services.update(s, { UpdateStatus: { State: 'paused', Message: 'update paused' } });
    });
    const paused = await api.getService('web');
    const v3 = await api.updateService('web', paused.Version.Index, { ...paused.Spec });
    assert.deepEqual(v3.SpecVersion, v2.SpecVersion);
    assert.deepEqual(v3.PreviousSpec, v2.PreviousSpec);
    assert.equal(v3.UpdateStatus, undefined);
    assert.ok(v3.Version.Index > paused.Version.Index);
  });

  it('counts a ForceUpdate bump as a change (docker service update --force)', async () => {
    const { api } = setup();
    const v1 = await api.createService(spec('web'));
    const forced = { ...v1.Spec, TaskTemplate: { ...v1.Spec.TaskTemplate, ForceUpdate: 1 } };
    const v2 = await api.updateService('web', v1.Version.Index, forced);
    assert.deepEqual(v2.SpecVersion, { Index: v1.Version.Index });
    assert.equal(v2.PreviousSpec?.TaskTemplate.ForceUpdate, 0);
  });

  it('rolls back to the previous spec and can roll back the rollback', async () => {
    const { api } = setup();
    const v1 = await api.createService(spec('web'));
    const v2 = await api.updateService('web', v1.Version.Index, image(v1.Spec, 'nginx:1.28'));
    const v3 = await api.updateService('web', v2.Version.Index, v2.Spec, { rollback: 'previous' });
    assert.equal(v3.Spec.TaskTemplate.ContainerSpec?.Image, 'nginx:1.27');
    assert.equal(v3.PreviousSpec?.TaskTemplate.ContainerSpec?.Image, 'nginx:1.28');
    assert.deepEqual(v3.UpdateStatus, {
      State: 'rollback_started',
      Message: 'manually requested rollback',
      StartedAt: '2025-01-01T00:00:00.000Z',
    });
    assert.deepEqual(v3.SpecVersion, { Index: v2.Version.Index });
    const v4 = await api.updateService('web', v3.Version.Index, v3.Spec, { rollback: 'previous' });
    assert.equal(v4.Spec.TaskTemplate.ContainerSpec?.Image, 'nginx:1.28');
  });

  it('refuses a rollback without a previous spec, and an unknown rollback option', async () => {
    const { api } = setup();
    const v1 = await api.createService(spec('web'));
    await rejects(
      api.updateService('web', v1.Version.Index, v1.Spec, { rollback: 'previous' }),
      'failed_precondition',
      `rpc error: code = FailedPrecondition desc = service ${v1.ID} does not have a previous spec`,
    );
    await rejects(
      api.updateService('web', v1.Version.Index, v1.Spec, { rollback: 'later' }),
      'invalid_argument',
      'unrecognized rollback option later',
    );
  });

  it("refuses renames and mode changes with swarmkit's Unimplemented", async () => {
    const { api } = setup();
    const v1 = await api.createService(spec('web'));
    await rejects(
      api.updateService('web', v1.Version.Index, { ...v1.Spec, Name: 'www' }),
      'invalid_argument',
      'rpc error: code = Unimplemented desc = renaming services is not supported',
      501,
    );
    await rejects(
      api.updateService('web', v1.Version.Index, { ...v1.Spec, Mode: { Global: {} } }),
      'invalid_argument',
      'rpc error: code = Unimplemented desc = service mode change is not allowed',
    );
    await rejects(api.updateService('nope', 1, v1.Spec), 'not_found', 'service nope not found');
  });

  it('starts the next iteration of a job on every update', async () => {
    const { api } = setup();
    const v1 = await api.createService(spec('once', { Mode: { GlobalJob: {} } }));
    const v2 = await api.updateService('once', v1.Version.Index, v1.Spec);
    const v3 = await api.updateService('once', v2.Version.Index, v2.Spec);
    assert.equal(v3.JobStatus?.JobIteration.Index, 2);
  });

  it('checks published ports only when the endpoint changes', async () => {
    const { api, store } = setup();
    await api.createNetwork({ Name: 'ingress', Ingress: true, DriverConfiguration: { Name: 'overlay' } });
    const ports = (...ps: number[]) => ({ Ports: ps.map((p) => ({ TargetPort: 80, PublishedPort: p })) });
    const web = await api.createService(spec('web', { EndpointSpec: ports(8080) }));
    // a clash that slipped in before (another manager's write): web's own updates still pass
    await store.update((tx) =>
      tx.services.create(
        newService('other00000000000000000001', 'other', {
          Spec: { ...newService('x', 'other').Spec, EndpointSpec: ports(8080) },
        }),
      ),
    );
    const same = await api.updateService('web', web.Version.Index, image(web.Spec, 'nginx:2'));
    await rejects(
      api.updateService('web', same.Version.Index, { ...same.Spec, EndpointSpec: ports(8080, 9090) }),
      'invalid_argument',
      "rpc error: code = InvalidArgument desc = port '8080' is already in use by service 'other' (other00000000000000000001) as an ingress port",
    );
  });
});
