import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { convertStack } from './convert.ts';
import { loadStack } from './load.ts';

const dir = join(import.meta.dirname, 'testdata', 'full');
const plan = () =>
  convertStack('app', loadStack({ files: [join(dir, 'compose.yml')], env: { HOME: '/home/u' } }).config);

describe('convertStack', () => {
  it('names and labels everything in the stack namespace', () => {
    const p = plan();
    assert.deepEqual(
      p.networks.create.map((n) => [n.Name, n.Driver, n.Labels?.['com.docker.stack.namespace']]),
      [
        ['app_back', 'overlay', 'app'],
        ['app_default', 'overlay', 'app'],
        ['app_front', 'overlay', 'app'],
      ],
    );
    assert.deepEqual(p.networks.create[0]?.IPAM, { Config: [{ Subnet: '10.20.0.0/24' }] });
    assert.deepEqual(
      p.secrets.map((s) => [s.Name, Buffer.from(s.Data ?? '', 'base64').toString()]),
      [
        ['app_pw', 'hunter2\n'],
        ['shared_tls', 'hunter2\n'],
      ],
    );
    assert.deepEqual(
      p.configs.map((c) => c.Name),
      ['app_site'],
    );
    assert.deepEqual(
      p.services.map((s) => s.Name),
      ['app_web', 'app_worker'],
    );
  });

  it('converts a service like docker stack deploy', () => {
    const web = plan().services[0];
    assert.ok(web);
    assert.deepEqual(web.Labels, {
      tier: 'frontend',
      'com.docker.stack.namespace': 'app',
      'com.docker.stack.image': 'nginx:1.27-alpine',
    });
    const c = web.TaskTemplate.ContainerSpec;
    assert.deepEqual(c?.Labels, { 'traefik.enable': 'true', 'com.docker.stack.namespace': 'app' });
    assert.deepEqual(c?.Args, ['nginx', '-g', 'daemon off;']);
    assert.deepEqual(c?.Env, ['BARE', 'GREETING=hello $USER', 'MODE=production']);
    assert.deepEqual(c?.HealthCheck, {
      Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
      Interval: 30e9,
      Timeout: 5e9,
      Retries: 3,
      StartPeriod: 90e9,
    });
    assert.deepEqual(c?.Hosts, ['10.0.0.5 db.local']);
    assert.deepEqual([c?.CapabilityAdd, c?.CapabilityDrop], [['CAP_NET_ADMIN'], ['ALL']]);
    assert.deepEqual(c?.Ulimits, [
      { Name: 'nofile', Soft: 1024, Hard: 2048 },
      { Name: 'nproc', Soft: 512, Hard: 512 },
    ]);
    assert.deepEqual(c?.Sysctls, { 'net.core.somaxconn': '1024' });
    assert.deepEqual(
      c?.Secrets?.map((s) => [s.SecretName, s.File]),
      [
        ['app_pw', { Name: 'pw', UID: '0', GID: '0', Mode: 0o444 }],
        ['shared_tls', { Name: '/run/certs/tls.pem', UID: '0', GID: '0', Mode: 0o400 }],
      ],
    );
    assert.deepEqual(c?.Configs?.[0]?.File?.Name, '/etc/site.conf');
    assert.deepEqual(c?.Mounts?.[0], {
      Type: 'volume',
      Target: '/usr/share/nginx/html',
      Source: 'app_static',
      ReadOnly: true,
      VolumeOptions: {
        Labels: { keep: 'yes', 'com.docker.stack.namespace': 'app' },
        DriverConfig: { Name: 'local' },
      },
    });
    assert.deepEqual(c?.Mounts?.[2], {
      Type: 'tmpfs',
      Target: '/cache',
      TmpfsOptions: { SizeBytes: 1048576 },
    });
    assert.equal(c?.StopGracePeriod, 20e9);
    assert.deepEqual(web.TaskTemplate.Resources, {
      Limits: { NanoCPUs: 5e8, MemoryBytes: 512 * 2 ** 20, Pids: 100 },
      Reservations: { NanoCPUs: 2.5e8, MemoryBytes: 128 * 2 ** 20 },
    });
    assert.deepEqual(web.TaskTemplate.RestartPolicy, {
      Condition: 'on-failure',
      Delay: 5e9,
      MaxAttempts: 3,
      Window: 120e9,
    });
    assert.deepEqual(web.TaskTemplate.Placement, {
      Constraints: ['node.role == worker'],
      Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
      MaxReplicas: 2,
    });
    assert.deepEqual(web.TaskTemplate.Networks, [
      { Target: 'app_back', Aliases: ['web'] },
      { Target: 'app_front', Aliases: ['www', 'web'] },
    ]);
    assert.deepEqual(web.TaskTemplate.LogDriver, { Name: 'json-file', Options: { 'max-size': '10m' } });
    assert.deepEqual(web.Mode, { Replicated: { Replicas: 3 } });
    assert.deepEqual(web.EndpointSpec, {
      Mode: 'vip',
      Ports: [
        { TargetPort: 80, Protocol: 'tcp', PublishedPort: 8080, PublishMode: 'ingress' },
        { TargetPort: 443, Protocol: 'udp', PublishedPort: 8443, PublishMode: 'ingress' },
        { TargetPort: 9000, Protocol: 'tcp', PublishedPort: 9000, PublishMode: 'host' },
      ],
    });
    assert.deepEqual(web.UpdateConfig, {
      Parallelism: 2,
      Delay: 10e9,
      FailureAction: 'rollback',
      Monitor: 30e9,
      MaxFailureRatio: 0.3,
      Order: 'start-first',
    });
    assert.deepEqual(web.RollbackConfig, { Parallelism: 0, Order: 'stop-first' });
  });

  it('global mode, entrypoint and the legacy restart key', () => {
    const worker = plan().services[1];
    assert.deepEqual(worker?.Mode, { Global: {} });
    assert.deepEqual(worker?.TaskTemplate.ContainerSpec?.Command, ['/bin/sh', '-c']);
    assert.deepEqual(worker?.TaskTemplate.ContainerSpec?.Args, ['sleep 3600']);
    assert.deepEqual(worker?.TaskTemplate.ContainerSpec?.Env, ['EMPTY=', 'QUEUE=jobs']);
    assert.deepEqual(worker?.TaskTemplate.Networks, [{ Target: 'app_default', Aliases: ['worker'] }]);
    assert.deepEqual(worker?.TaskTemplate.RestartPolicy, { Condition: 'any' });
  });

  it('refuses undefined references', () => {
    const load = (yaml: string) =>
      loadStack({
        files: ['/p/c.yml'],
        env: {},
        readFile: (p) => {
          if (p !== '/p/c.yml') throw new Error('ENOENT');
          return yaml;
        },
      }).config;
    assert.throws(() => convertStack('s', load('services:\n  a: {image: x, networks: [nope]}\n')), {
      message: 'service a: undefined network "nope"',
    });
    assert.throws(() => convertStack('s', load('services:\n  a: {image: x, secrets: [nope]}\n')), {
      message: 'service a: undefined secret "nope"',
    });
    assert.throws(() => convertStack('s', load('services:\n  a: {image: x, volumes: ["nope:/x"]}\n')), {
      message: 'service a: undefined volume "nope"',
    });
    assert.throws(
      () => convertStack('s', load('services:\n  a: {image: x, deploy: {mode: global, replicas: 2}}\n')),
      {
        message: 'service a: replicas can only be used with replicated or replicated-job mode',
      },
    );
  });
});
