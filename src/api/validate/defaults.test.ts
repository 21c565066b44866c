import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceSpec } from '../service.ts';
import { SERVICE_DEFAULTS, withServiceDefaults } from './defaults.ts';
import { serviceSpec } from './fixtures.ts';
import { normalizeServiceSpec } from './normalize.ts';
import { validateServiceSpec } from './service.ts';

const S = 1e9;
const minimal: ServiceSpec = { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'nginx' } } };

describe('withServiceDefaults: docker service inspect --insertDefaults', () => {
  it('fills a minimal spec exactly as Docker shows it', () => {
    assert.deepEqual(withServiceDefaults(minimal), {
      Name: 'web',
      Labels: {},
      TaskTemplate: {
        ContainerSpec: { Image: 'nginx', Isolation: 'default', StopGracePeriod: 10 * S, DNSConfig: {} },
        Resources: {},
        RestartPolicy: { Condition: 'any', Delay: 5 * S, MaxAttempts: 0 },
        Placement: {},
        ForceUpdate: 0,
        Runtime: 'container',
      },
      Mode: { Replicated: { Replicas: 1 } },
      UpdateConfig: {
        Parallelism: 1,
        FailureAction: 'pause',
        Monitor: 5 * S,
        MaxFailureRatio: 0,
        Order: 'stop-first',
      },
      RollbackConfig: {
        Parallelism: 1,
        FailureAction: 'pause',
        Monitor: 5 * S,
        MaxFailureRatio: 0,
        Order: 'stop-first',
      },
    });
  });
  it('keeps what the user set, filling only the gaps', () => {
    const d = withServiceDefaults({
      ...minimal,
      TaskTemplate: {
        ContainerSpec: { Image: 'nginx', StopGracePeriod: 0 },
        RestartPolicy: { Condition: 'on-failure', MaxAttempts: 3 },
      },
      UpdateConfig: { Parallelism: 0, Delay: 10 * S },
      RollbackConfig: { Monitor: 30 * S, FailureAction: 'continue' },
    });
    assert.equal(d.TaskTemplate.ContainerSpec?.StopGracePeriod, 0);
    assert.deepEqual(d.TaskTemplate.RestartPolicy, { Condition: 'on-failure', MaxAttempts: 3, Delay: 5 * S });
    assert.deepEqual(d.UpdateConfig, {
      Parallelism: 0,
      FailureAction: 'pause',
      MaxFailureRatio: 0,
      Order: 'stop-first',
      Delay: 10 * S,
      Monitor: 5 * S,
    });
    assert.deepEqual(d.RollbackConfig, {
      Parallelism: 0,
      FailureAction: 'continue',
      MaxFailureRatio: 0,
      Order: 'stop-first',
      Monitor: 30 * S,
    });
  });
  it('fills a given restart policy without condition with "any"', () => {
    const d = withServiceDefaults({
      ...minimal,
      TaskTemplate: { ...minimal.TaskTemplate, RestartPolicy: { Window: 60 * S } },
    });
    assert.deepEqual(d.TaskTemplate.RestartPolicy, {
      Window: 60 * S,
      Condition: 'any',
      MaxAttempts: 0,
      Delay: 5 * S,
    });
  });
  it('does not invent an EndpointSpec, but fills a given one (vip, tcp, ingress)', () => {
    assert.equal(withServiceDefaults(minimal).EndpointSpec, undefined);
    const d = withServiceDefaults({
      ...minimal,
      EndpointSpec: { Ports: [{ TargetPort: 80, Protocol: 'UDP' as 'udp' }] },
    });
    assert.deepEqual(d.EndpointSpec, {
      Mode: 'vip',
      Ports: [{ TargetPort: 80, Protocol: 'udp', PublishMode: 'ingress' }],
    });
  });
  it('exposes the numbers', () => {
    assert.equal(SERVICE_DEFAULTS.stopGracePeriodNs, 10 * S);
    assert.deepEqual(SERVICE_DEFAULTS.restart, { Condition: 'any', Delay: 5 * S, MaxAttempts: 0 });
    assert.equal(SERVICE_DEFAULTS.update.Parallelism, 1);
    assert.equal(SERVICE_DEFAULTS.endpointMode, 'vip');
  });
  it('does not modify its input, and the defaulted spec of a service still validates', () => {
    const input = serviceSpec();
    const copy = structuredClone(input);
    const d = withServiceDefaults(input);
    assert.deepEqual(input, copy);
    assert.deepEqual(validateServiceSpec(d), []);
  });
});

describe('normalizeServiceSpec: the stored form, as plain inspect shows it', () => {
  it('defaults modes the way the daemon does', () => {
    const mode = (m: ServiceSpec['Mode']) => normalizeServiceSpec({ ...minimal, Mode: m }).Mode;
    assert.deepEqual(mode(undefined), { Replicated: { Replicas: 1 } });
    assert.deepEqual(mode({ Replicated: {} }), { Replicated: { Replicas: 1 } });
    assert.deepEqual(mode({ Replicated: { Replicas: 0 } }), { Replicated: { Replicas: 0 } });
    assert.deepEqual(mode({ ReplicatedJob: {} }), {
      ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 },
    });
    assert.deepEqual(mode({ ReplicatedJob: { MaxConcurrent: 4 } }), {
      ReplicatedJob: { MaxConcurrent: 4, TotalCompletions: 4 },
    });
    assert.deepEqual(mode({ ReplicatedJob: { TotalCompletions: 9 } }), {
      ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 9 },
    });
    assert.deepEqual(mode({ Global: {} }), { Global: {} });
    assert.deepEqual(mode({ GlobalJob: {} }), { GlobalJob: {} });
  });
  it('does not add update or restart defaults (only --insertDefaults does)', () => {
    const n = normalizeServiceSpec(minimal);
    assert.equal(n.UpdateConfig, undefined);
    assert.equal(n.TaskTemplate.RestartPolicy, undefined);
    assert.equal(n.TaskTemplate.ContainerSpec?.StopGracePeriod, undefined);
  });
  it('folds enum spellings and mount types', () => {
    const n = normalizeServiceSpec({
      ...minimal,
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx',
          Isolation: 'HyperV',
          Mounts: [
            { Type: '' as 'bind', Source: '/a', Target: '/b', BindOptions: { Propagation: '' } },
            { Type: 'VOLUME' as 'volume', Target: '/v' },
            { Type: 'bind', Source: '/c', Target: '/d', BindOptions: { Propagation: 'RSLAVE' } },
          ],
        },
      },
      EndpointSpec: {
        Mode: 'dnsrr',
        Ports: [{ TargetPort: 1, Protocol: 'quic' as 'tcp', PublishMode: 'HOST' as 'host' }],
      },
    });
    const c = n.TaskTemplate.ContainerSpec;
    assert.equal(c?.Isolation, 'hyperv');
    assert.deepEqual(c?.Mounts, [
      { Type: 'bind', Source: '/a', Target: '/b' },
      { Type: 'volume', Target: '/v' },
      { Type: 'bind', Source: '/c', Target: '/d', BindOptions: { Propagation: 'rslave' } },
    ]);
    assert.deepEqual(n.EndpointSpec, {
      Mode: 'dnsrr',
      Ports: [{ TargetPort: 1, Protocol: 'tcp', PublishMode: 'host' }],
    });
  });
  it('drops zero Delay and Monitor from update configs, as the JSON omits them', () => {
    const n = normalizeServiceSpec({ ...minimal, UpdateConfig: { Delay: 0, Monitor: 0, Parallelism: 2 } });
    assert.deepEqual(n.UpdateConfig, {
      Parallelism: 2,
      FailureAction: 'pause',
      MaxFailureRatio: 0,
      Order: 'stop-first',
    });
  });
  it('names a nameless service with the given generator', () => {
    assert.equal(
      normalizeServiceSpec({ ...minimal, Name: '' }, { generateName: () => 'quirky_hopper' }).Name,
      'quirky_hopper',
    );
    assert.equal(normalizeServiceSpec(minimal, { generateName: () => 'x' }).Name, 'web');
  });
});
