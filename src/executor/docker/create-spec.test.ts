/**
 * The task spec as a container create body, field by field (no engine needed), and the
 * pure helpers around it: templates, hosts entries, port bindings, log framing, tar.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { NS_PER_MS, NS_PER_S } from '../../api/meta.ts';
import { makeTask } from '../testing.ts';
import { createBody, extraHosts } from './create-spec.ts';
import { resolveEngine } from './engine.ts';
import { readLogStream, splitTimestamp } from './logs.ts';
import { containerName, expandTemplate, OWNER_LABEL } from './names.ts';
import { portBindings, portEndpoints } from './ports.ts';
import { tar } from './tar.ts';

// biome-ignore lint/suspicious/noExplicitAny: a test reads the untyped Engine body field by field
type Body = Record<string, any>;

const node = { id: 'node1', hostname: 'host1', os: 'linux', architecture: 'x86_64' };

describe('docker create body', () => {
  it('maps the container spec, resources, health check, log driver and ports', () => {
    const task = makeTask('t1', {
      Image: 'nginx:1',
      Command: ['/bin/web'],
      Args: ['-p', '80'],
      Env: ['A=1', 'SVC={{.Service.Name}}'],
      Dir: '/srv',
      User: 'www',
      Groups: ['audio'],
      Hostname: '{{.Service.Name}}.{{.Task.Slot}}.{{.Node.Hostname}}',
      Labels: { team: 'blue' },
      ReadOnly: true,
      Init: true,
      StopSignal: 'SIGQUIT',
      StopGracePeriod: 2_500 * NS_PER_MS,
      HealthCheck: { Test: ['CMD', 'true'], Interval: NS_PER_S, Retries: 2 },
      Mounts: [
        {
          Type: 'bind',
          Source: '/data',
          Target: '/data',
          ReadOnly: true,
          BindOptions: { Propagation: 'rprivate' },
        },
        { Type: 'volume', Source: 'v-{{.Task.Slot}}', Target: '/v', VolumeOptions: { NoCopy: true } },
        { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024, Mode: 0o700 } },
      ],
      Sysctls: { 'net.core.somaxconn': '1024' },
      CapabilityAdd: ['NET_ADMIN'],
      CapabilityDrop: ['MKNOD'],
      Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 20 }],
      DNSConfig: { Nameservers: ['1.1.1.1'], Search: ['corp'], Options: ['ndots:2'] },
      Hosts: ['10.0.0.1 db dbalias', 'cache:10.0.0.2'],
      OomScoreAdj: 100,
    });
    task.ServiceAnnotations = { Name: 'web' };
    task.Slot = 2;
    task.Spec.Resources = {
      Limits: { NanoCPUs: 1.5e9, MemoryBytes: 1 << 28, Pids: 64 },
      Reservations: { MemoryBytes: 1 << 20 },
    };
    task.Spec.LogDriver = { Name: 'json-file', Options: { 'max-size': '1m' } };
    task.Endpoint = {
      Ports: [
        { TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' },
        { TargetPort: 53, Protocol: 'udp' },
      ],
    };
    const b = createBody(task, {
      task,
      node,
      owner: 'node1',
      network: 'net',
      meshHostIp: '127.0.0.1',
    }) as unknown as Body;
    assert.equal(b.name, 'web.2.t1');
    assert.deepEqual([b.Entrypoint, b.Cmd], [['/bin/web'], ['-p', '80']]);
    assert.deepEqual(b.Env, ['A=1', 'SVC=web']);
    assert.equal(b.Hostname, 'web.2.host1');
    assert.deepEqual([b.WorkingDir, b.User, b.StopSignal, b.StopTimeout], ['/srv', 'www', 'SIGQUIT', 3]);
    assert.equal(b.Labels.team, 'blue');
    assert.equal(b.Labels[OWNER_LABEL], 'node1');
    assert.deepEqual(b.Healthcheck, { Test: ['CMD', 'true'], Interval: NS_PER_S, Retries: 2 });
    assert.deepEqual(b.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
    const h = b.HostConfig;
    assert.deepEqual(h.PortBindings, {
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    });
    assert.deepEqual(h.Mounts, [
      {
        Type: 'bind',
        Source: '/data',
        Target: '/data',
        ReadOnly: true,
        BindOptions: { Propagation: 'rprivate' },
      },
      { Type: 'volume', Source: 'v-2', Target: '/v', ReadOnly: false, VolumeOptions: { NoCopy: true } },
      { Type: 'tmpfs', Target: '/t', ReadOnly: false, TmpfsOptions: { SizeBytes: 1024, Mode: 0o700 } },
    ]);
    assert.deepEqual(
      [h.NanoCpus, h.Memory, h.PidsLimit, h.MemoryReservation, h.ReadonlyRootfs, h.Init, h.OomScoreAdj],
      [1.5e9, 1 << 28, 64, 1 << 20, true, true, 100],
    );
    assert.deepEqual(h.ExtraHosts, ['db:10.0.0.1', 'dbalias:10.0.0.1', 'cache:10.0.0.2']);
    assert.deepEqual([h.Dns, h.DnsSearch, h.DnsOptions], [['1.1.1.1'], ['corp'], ['ndots:2']]);
    assert.deepEqual([h.CapAdd, h.CapDrop, h.GroupAdd], [['NET_ADMIN'], ['MKNOD'], ['audio']]);
    assert.deepEqual(h.Sysctls, { 'net.core.somaxconn': '1024' });
    assert.deepEqual(h.Ulimits, [{ Name: 'nofile', Soft: 10, Hard: 20 }]);
    assert.deepEqual(h.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m' } });
    assert.equal(h.NetworkMode, 'net');
    assert.deepEqual(b.NetworkingConfig, { EndpointsConfig: { net: {} } });
  });

  it('an unknown template placeholder is an error', () => {
    const task = makeTask('t1', { Image: 'x', Hostname: '{{.Nope}}' });
    assert.throws(
      () => createBody(task, { task, node, owner: 'n', meshHostIp: '127.0.0.1' }),
      /unknown placeholder/,
    );
    assert.equal(expandTemplate('{{ .Node.ID }}-{{.Task.ID}}', { task, node }), 'node1-t1');
  });

  it('global tasks are named by node; odd service names are made valid', () => {
    const t = makeTask('abc', { Image: 'x' });
    assert.equal(
      containerName({ ...t, Slot: 0, NodeID: 'n9', ServiceAnnotations: { Name: 'agent' } }),
      'agent.n9.abc',
    );
    assert.equal(extraHosts(['::1 v6host'])?.[0], 'v6host:::1');
  });

  it('ports: bindings and the endpoints read back from inspect', () => {
    const ports = [
      { TargetPort: 80 },
      { TargetPort: 443, PublishedPort: 8443, PublishMode: 'host' as const },
    ];
    assert.deepEqual(portBindings(ports, '127.0.0.1').bindings, {
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
      '443/tcp': [{ HostIp: '', HostPort: '8443' }],
    });
    const eps = portEndpoints(
      ports,
      {
        Ports: {
          '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }],
          '443/tcp': [{ HostIp: '0.0.0.0', HostPort: '8443' }],
        },
        Networks: { n: { IPAddress: '10.0.0.5' } },
      },
      '127.0.0.1',
    );
    assert.deepEqual(
      eps.map((e) => [e.publishMode, e.hostIp, e.hostPort, e.containerIp]),
      [
        ['ingress', '127.0.0.1', 32768, '10.0.0.5'],
        ['host', '0.0.0.0', 8443, '10.0.0.5'],
      ],
    );
  });

  it('ports: host mode on the node address; mesh and host bindings on one address told apart', () => {
    const ports = [{ TargetPort: 80 }, { TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' as const }];
    assert.deepEqual(portBindings(ports, '0.0.0.0', '127.0.0.3').bindings, {
      '80/tcp': [
        { HostIp: '0.0.0.0', HostPort: '' },
        { HostIp: '127.0.0.3', HostPort: '8080' },
      ],
    });
    // A daemon without a node address: both bindings on 0.0.0.0, the port number decides.
    const eps = portEndpoints(
      ports,
      {
        Ports: {
          '80/tcp': [
            { HostIp: '0.0.0.0', HostPort: '8080' },
            { HostIp: '0.0.0.0', HostPort: '32770' },
          ],
        },
      },
      '0.0.0.0',
    );
    assert.deepEqual(
      eps.map((e) => [e.publishMode, e.hostIp, e.hostPort]),
      [
        ['ingress', '0.0.0.0', 32770],
        ['host', '0.0.0.0', 8080],
      ],
    );
  });
});

describe('docker helpers', () => {
  it('finds the engine as Docker does', () => {
    assert.equal(resolveEngine('unix:///x.sock', {}).socketPath, '/x.sock');
    assert.equal(resolveEngine(undefined, { DOCKER_HOST: 'tcp://h:2375' }).socketPath, undefined);
    assert.equal(resolveEngine(undefined, {}).socketPath, '/var/run/docker.sock');
  });

  it('takes the multiplexed log stream apart, lines split across frames', async () => {
    const frame = (stream: number, s: string) => {
      const body = Buffer.from(s);
      const h = Buffer.alloc(8);
      h[0] = stream;
      h.writeUInt32BE(body.length, 4);
      return Buffer.concat([h, body]);
    };
    const all = Buffer.concat([
      frame(1, '2024-01-01T00:00:01.123456789Z hel'),
      frame(1, 'lo\n'),
      frame(2, '2024-01-01T00:00:02Z oops\n'),
    ]);
    const chunks = [all.subarray(0, 5), all.subarray(5, 30), all.subarray(30)];
    const lines = [];
    for await (const l of readLogStream(Readable.from(chunks), false)) lines.push(l);
    assert.deepEqual(
      lines.map((l) => [l.stream, l.timestamp, Buffer.from(l.data).toString()]),
      [
        ['stdout', Date.parse('2024-01-01T00:00:01.123Z'), 'hello'],
        ['stderr', Date.parse('2024-01-01T00:00:02Z'), 'oops'],
      ],
    );
    assert.equal(splitTimestamp(Buffer.from('no stamp')).timestamp, 0);
  });

  it('writes tar headers the engine accepts (ustar, checksummed)', () => {
    const t = tar([
      { path: 'a', type: 'dir', mode: 0o700 },
      { path: 'a/f', type: 'file', mode: 0o400, uid: 5, data: new TextEncoder().encode('x') },
    ]);
    assert.equal(t.length, 512 * 5);
    assert.equal(t.subarray(257, 262).toString(), 'ustar');
    let sum = 0;
    for (let i = 512; i < 1024; i++) sum += i >= 512 + 148 && i < 512 + 156 ? 32 : (t[i] as number);
    assert.equal(Number.parseInt(t.subarray(512 + 148, 512 + 154).toString(), 8), sum);
  });
});
