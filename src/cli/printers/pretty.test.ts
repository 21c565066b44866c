/**
 * `inspect --pretty` against what the docker CLI 28 printed for the same objects (taken
 * from a run of `docker service|node inspect --pretty` against the test server).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../api/index.ts';
import type { EngineService } from '../client/api.ts';
import { nodePretty } from './node-pretty.ts';
import { servicePretty } from './service-pretty.ts';

const update = {
  Parallelism: 1,
  FailureAction: 'pause',
  Monitor: 5e9,
  MaxFailureRatio: 0,
  Order: 'stop-first',
} as const;

describe('inspect --pretty', () => {
  it('a service, as docker prints it', () => {
    const svc = {
      ID: '9i7917745i1d0oihyaabmwzfg',
      Spec: {
        Name: 'web',
        Labels: {},
        TaskTemplate: {
          ContainerSpec: {
            Image: 'nginx:1.27',
            Init: false,
            Secrets: [
              { File: { Name: 'pw', UID: '0', GID: '0', Mode: 292 }, SecretID: 'x', SecretName: 'pw' },
            ],
          },
          Resources: { Limits: {}, Reservations: {} },
          Placement: {},
          Networks: [{ Target: 'n1' }],
        },
        Mode: { Replicated: { Replicas: 2 } },
        UpdateConfig: update,
        RollbackConfig: update,
        EndpointSpec: { Mode: 'vip' },
      },
    } as unknown as EngineService;
    assert.equal(
      servicePretty(svc, new Map([['n1', 'net1']]), 0),
      [
        '',
        'ID:\t\t9i7917745i1d0oihyaabmwzfg',
        'Name:\t\tweb',
        'Service Mode:\tReplicated',
        ' Replicas:\t2',
        'Placement:',
        'UpdateConfig:',
        ' Parallelism:\t1',
        ' On failure:\tpause',
        ' Monitoring Period: 5s',
        ' Max failure ratio: 0',
        ' Update order:      stop-first',
        'RollbackConfig:',
        ' Parallelism:\t1',
        ' On failure:\tpause',
        ' Monitoring Period: 5s',
        ' Max failure ratio: 0',
        ' Rollback order:    stop-first',
        'ContainerSpec:',
        ' Image:\t\tnginx:1.27',
        ' Init:\t\tfalse',
        'Secrets:',
        ' Target:\tpw',
        '  Source:\tpw',
        'Resources:',
        'Networks: net1 ',
        'Endpoint Mode:\tvip',
        '',
        '',
      ].join('\n'),
    );
  });

  it('a node, as docker prints it', () => {
    const node = {
      ID: '3mpae2otjvewblpck01i6lz56',
      CreatedAt: '2026-11-25T21:01:52.512Z',
      Spec: { Role: 'manager', Availability: 'active', Labels: {} },
      Description: {
        Hostname: 'shoal-test',
        Platform: { Architecture: 'x86_64', OS: 'linux' },
        Resources: { NanoCPUs: 2e9, MemoryBytes: 4 * 2 ** 30 },
        Engine: { EngineVersion: '0.1.0-test' },
      },
      Status: { State: 'ready', Addr: '10.0.0.1' },
      ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1:2377' },
    } as unknown as Node;
    assert.equal(
      nodePretty(node),
      [
        'ID:\t\t\t3mpae2otjvewblpck01i6lz56',
        'Hostname:              \tshoal-test',
        'Joined at:             \t2026-11-25 21:01:52.512 +0000 utc',
        'Status:',
        ' State:\t\t\tReady',
        ' Availability:         \tActive',
        ' Address:\t\t10.0.0.1',
        'Manager Status:',
        ' Address:\t\t10.0.0.1:2377',
        ' Raft Status:\t\tReachable',
        ' Leader:\t\tYes',
        'Platform:',
        ' Operating System:\tlinux',
        ' Architecture:\t\tx86_64',
        'Resources:',
        ' CPUs:\t\t\t2',
        ' Memory:\t\t4GiB',
        'Engine Version:\t\t0.1.0-test',
        '',
      ].join('\n'),
    );
  });
});
