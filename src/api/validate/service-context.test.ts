import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Network } from '../network.ts';
import type { Config, Secret } from '../secret.ts';
import type { PortConfig, Service } from '../service.ts';
import { configSpec, secretSpec, service, serviceSpec } from './fixtures.ts';
import { needsIngressNetwork, serviceContextProblems } from './service-context.ts';

const meta = { Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '' };
const withPorts = (ports: PortConfig[], name = 'web') =>
  serviceSpec({ Name: name, EndpointSpec: { Ports: ports } });
const other = (ports: PortConfig[], allocated?: PortConfig[]): Service => ({
  ...service(withPorts(ports, 'api'), 'otherid'),
  ...(allocated ? { Endpoint: { Spec: {}, Ports: allocated } } : {}),
});

describe('serviceContextProblems: port conflicts (swarmkit checkPortConflicts)', () => {
  const cases: Array<[string, PortConfig[], Service, string | undefined]> = [
    [
      'ingress vs ingress',
      [{ TargetPort: 80, PublishedPort: 8080 }],
      other([{ TargetPort: 1, PublishedPort: 8080 }]),
      "port '8080' is already in use by service 'api' (otherid) as an ingress port",
    ],
    [
      'host vs ingress',
      [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }],
      other([{ TargetPort: 1, PublishedPort: 8080 }]),
      "port '8080' is already in use by service 'api' (otherid) as an ingress port",
    ],
    [
      'ingress vs host',
      [{ TargetPort: 80, PublishedPort: 8080 }],
      other([{ TargetPort: 1, PublishedPort: 8080, PublishMode: 'host' }]),
      "port '8080' is already in use by service 'api' (otherid) as a host-published port",
    ],
    [
      'host vs host is fine (the scheduler separates them)',
      [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }],
      other([{ TargetPort: 1, PublishedPort: 8080, PublishMode: 'host' }]),
      undefined,
    ],
    [
      'other protocol is fine',
      [{ TargetPort: 53, PublishedPort: 53, Protocol: 'udp' }],
      other([{ TargetPort: 53, PublishedPort: 53 }]),
      undefined,
    ],
    [
      'an allocated (auto-assigned) port counts',
      [{ TargetPort: 80, PublishedPort: 30001 }],
      other([{ TargetPort: 1 }], [{ TargetPort: 1, PublishedPort: 30001 }]),
      "port '30001' is already in use by service 'api' (otherid) as an ingress port",
    ],
    ['auto-assigned ports never conflict', [{ TargetPort: 80 }], other([{ TargetPort: 80 }]), undefined],
  ];
  for (const [name, ports, svc, want] of cases) {
    it(name, () => {
      const problems = serviceContextProblems(withPorts(ports), { services: [svc] });
      assert.equal(problems[0]?.message, want);
    });
  }
  it('skips the service itself on update', () => {
    const spec = withPorts([{ TargetPort: 80, PublishedPort: 8080 }]);
    const self = service(spec, 'selfid');
    assert.deepEqual(serviceContextProblems(spec, { services: [self], serviceId: 'selfid' }), []);
    assert.equal(serviceContextProblems(spec, { services: [self] }).length, 1);
  });
});

describe('serviceContextProblems: networks, ingress, references', () => {
  const ingress: Network = { ...meta, ID: 'ingressid', Spec: { Name: 'ingress', Ingress: true } };
  const backend: Network = { ...meta, ID: 'backendid', Spec: { Name: 'backend' } };
  const networks = new Map([ingress, backend].map((n) => [n.ID, n]));
  it('refuses an explicit attachment to the ingress network', () => {
    const spec = serviceSpec();
    spec.TaskTemplate.Networks = [{ Target: 'backendid' }, { Target: 'ingressid' }];
    assert.deepEqual(
      serviceContextProblems(spec, { network: (id) => networks.get(id) }).map((p) => p.message),
      ['Service cannot be explicitly attached to the ingress network "ingress"'],
    );
  });
  it('needs an ingress network for ingress-published ports', () => {
    const spec = withPorts([{ TargetPort: 80 }]);
    assert.equal(needsIngressNetwork(spec), true);
    assert.equal(needsIngressNetwork(withPorts([{ TargetPort: 80, PublishMode: 'host' }])), false);
    const [p] = serviceContextProblems(spec, { ingressNetworkExists: false });
    assert.equal(p?.message, 'service needs ingress network, but no ingress network is present');
    assert.deepEqual([p?.code, p?.grpc], ['failed_precondition', 'FailedPrecondition']);
    assert.deepEqual(serviceContextProblems(spec, { ingressNetworkExists: true }), []);
  });
  const secrets = new Map<string, Secret>([['s1', { ...meta, ID: 's1', Spec: secretSpec({ Name: 'db' }) }]]);
  const configs = new Map<string, Config>([
    ['c1', { ...meta, ID: 'c1', Spec: configSpec({ Name: 'conf' }) }],
  ]);
  const lookups = { secret: (id: string) => secrets.get(id), config: (id: string) => configs.get(id) };
  const file = (n: string) => ({ Name: n, UID: '0', GID: '0', Mode: 0o444 });
  it('finds referenced secrets and configs by id and name', () => {
    const spec = serviceSpec();
    spec.TaskTemplate.ContainerSpec = {
      Image: 'nginx',
      Secrets: [{ SecretID: 's1', SecretName: 'db', File: file('db') }],
      Configs: [{ ConfigID: 'c1', ConfigName: 'conf', File: file('conf') }],
    };
    assert.deepEqual(serviceContextProblems(spec, lookups), []);
  });
  it('lists the missing ones: "secret not found: x", "secrets not found: x, y"', () => {
    const spec = serviceSpec();
    spec.TaskTemplate.ContainerSpec = {
      Image: 'nginx',
      Secrets: [
        { SecretID: 's1', SecretName: 'renamed', File: file('a') },
        { SecretID: 'nope', SecretName: 'ghost', File: file('b') },
      ],
      Configs: [{ ConfigID: 'nope', ConfigName: 'cfg', File: file('c') }],
    };
    assert.deepEqual(
      serviceContextProblems(spec, lookups).map((p) => p.message),
      ['secrets not found: renamed, ghost', 'config not found: cfg'],
    );
  });
});
