import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSpec, updateSpec } from './spec.ts';

describe('createSpec', () => {
  it('a bare create is what the docker CLI sends', () => {
    assert.deepEqual(createSpec('nginx', [], { name: 'web' }, {}), {
      Name: 'web',
      Labels: {},
      TaskTemplate: {
        ContainerSpec: { Image: 'nginx:latest' },
        Resources: { Limits: {}, Reservations: {} },
        Placement: {},
      },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Mode: 'vip' },
      UpdateConfig: {
        Parallelism: 1,
        FailureAction: 'pause',
        Monitor: 5e9,
        MaxFailureRatio: 0,
        Order: 'stop-first',
      },
      RollbackConfig: {
        Parallelism: 1,
        FailureAction: 'pause',
        Monitor: 5e9,
        MaxFailureRatio: 0,
        Order: 'stop-first',
      },
    });
  });
  it('flags land where docker puts them', () => {
    const s = createSpec(
      'nginx:1.27',
      ['echo', 'hi'],
      {
        name: 'full',
        replicas: 3,
        env: ['A=1'],
        label: ['l=v'],
        containerLabel: ['cl=x'],
        constraint: ['node.role==manager'],
        placementPref: ['spread=node.labels.zone'],
        reserveCpu: 5e8,
        limitMemory: 128 * 2 ** 20,
        restartCondition: 'on-failure',
        restartDelay: 3e9,
        updateParallelism: 2,
        updateOrder: 'start-first',
        rollbackMonitor: 1e9,
        healthCmd: 'curl x',
        healthRetries: 2,
        publish: ['8080:80'],
        secret: ['pw'],
        mount: ['type=volume,source=v,target=/data'],
        network: ['front'],
        entrypoint: 'sh -c',
        endpointMode: 'dnsrr',
        stopGracePeriod: 20e9,
      },
      {},
    );
    const c = s.TaskTemplate.ContainerSpec!;
    assert.deepEqual(
      [c.Image, c.Args, c.Command, c.Env, c.Labels],
      ['nginx:1.27', ['echo', 'hi'], ['sh', '-c'], ['A=1'], { cl: 'x' }],
    );
    assert.deepEqual(c.HealthCheck, { Test: ['CMD-SHELL', 'curl x'], Retries: 2 });
    assert.deepEqual(c.Secrets, [
      { File: { Name: 'pw', UID: '0', GID: '0', Mode: 0o444 }, SecretID: '', SecretName: 'pw' },
    ]);
    assert.equal(c.StopGracePeriod, 20e9);
    assert.deepEqual(s.Mode, { Replicated: { Replicas: 3 } });
    assert.deepEqual(s.Labels, { l: 'v' });
    assert.deepEqual(s.TaskTemplate.Placement, {
      Constraints: ['node.role==manager'],
      Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
    });
    assert.deepEqual(s.TaskTemplate.Resources, {
      Limits: { MemoryBytes: 128 * 2 ** 20 },
      Reservations: { NanoCPUs: 5e8 },
    });
    assert.deepEqual(s.TaskTemplate.RestartPolicy, { Condition: 'on-failure', Delay: 3e9 });
    assert.deepEqual(s.TaskTemplate.Networks, [{ Target: 'front' }]);
    assert.equal(s.UpdateConfig?.Parallelism, 2);
    assert.equal(s.UpdateConfig?.Order, 'start-first');
    assert.equal(s.RollbackConfig?.Monitor, 1e9);
    assert.deepEqual(s.EndpointSpec, {
      Mode: 'dnsrr',
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
    });
  });
  it('modes', () => {
    assert.deepEqual(createSpec('x', [], { mode: 'global' }, {}).Mode, { Global: {} });
    assert.deepEqual(
      createSpec('x', [], { mode: 'replicated-job', replicas: 5, maxConcurrent: 2 }, {}).Mode,
      {
        ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 5 },
      },
    );
    assert.deepEqual(createSpec('x', [], { mode: 'replicated-job', replicas: 3 }, {}).Mode, {
      ReplicatedJob: { MaxConcurrent: 3, TotalCompletions: 3 },
    });
    assert.equal(createSpec('x', [], { mode: 'global-job' }, {}).UpdateConfig, undefined);
    assert.throws(
      () => createSpec('x', [], { mode: 'global', replicas: 2 }, {}),
      /replicas can only be used/,
    );
  });
  it('--no-healthcheck', () => {
    assert.deepEqual(
      createSpec('x', [], { healthcheck: false }, {}).TaskTemplate.ContainerSpec?.HealthCheck,
      {
        Test: ['NONE'],
      },
    );
    assert.throws(() => createSpec('x', [], { healthcheck: false, healthCmd: 'true' }, {}), /conflicts/);
  });
});

describe('updateSpec', () => {
  const base = createSpec(
    'nginx:1.27',
    [],
    {
      name: 'web',
      env: ['A=1', 'B=2'],
      label: ['a=1'],
      publish: ['8080:80', '53/udp'],
      constraint: ['x==1'],
      secret: ['pw'],
    },
    {},
  );
  it('changes only what the flags say, -add replaces and -rm removes', () => {
    const s = updateSpec(
      base,
      {
        image: 'nginx:1.28',
        replicas: 4,
        envAdd: ['A=9', 'C=3'],
        envRm: ['B'],
        labelAdd: ['b=2'],
        labelRm: ['a'],
        publishRm: ['53/udp'],
        publishAdd: ['9090:90'],
        constraintAdd: ['y==2'],
        constraintRm: ['x==1'],
        secretRm: ['pw'],
        updateDelay: 10e9,
        force: true,
      },
      {},
    );
    const c = s.TaskTemplate.ContainerSpec!;
    assert.equal(c.Image, 'nginx:1.28');
    assert.deepEqual(c.Env, ['A=9', 'C=3']);
    assert.deepEqual(c.Secrets, []);
    assert.deepEqual(s.Labels, { b: '2' });
    assert.deepEqual(s.Mode, { Replicated: { Replicas: 4 } });
    assert.deepEqual(
      s.EndpointSpec?.Ports?.map((p) => `${p.PublishedPort}:${p.TargetPort}/${p.Protocol}`),
      ['8080:80/tcp', '9090:90/tcp'],
    );
    assert.deepEqual(s.TaskTemplate.Placement?.Constraints, ['y==2']);
    assert.equal(s.UpdateConfig?.Delay, 10e9);
    assert.equal(s.UpdateConfig?.Parallelism, 1);
    assert.equal(s.TaskTemplate.ForceUpdate, 1);
    assert.deepEqual(base.TaskTemplate.ContainerSpec?.Env, ['A=1', 'B=2'], 'the current spec is not touched');
  });
  it('refuses --replicas on a global service', () => {
    assert.throws(
      () => updateSpec(createSpec('x', [], { mode: 'global' }, {}), { replicas: 2 }, {}),
      /replicas can only/,
    );
  });
});
