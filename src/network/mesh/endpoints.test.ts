import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeMeshState, parseProxyPorts, servicePorts } from './endpoints.ts';
import { EndpointReports } from './reports.ts';
import { svc, task } from './testkit/fixtures.ts';

function reportsFor(...tasks: Array<[string, number, string, number]>): EndpointReports {
  const r = new EndpointReports();
  for (const [id, target, host, port] of tasks)
    r.set(id, [...(r.get(id) ?? []), { targetPort: target, protocol: 'tcp', host, port }]);
  return r;
}

describe('endpoint table', () => {
  it('lists running, desired-running tasks whose endpoint is known, sorted by task id', () => {
    const s = svc('web', [[8080, 80]]);
    const source = reportsFor(
      ['t2', 80, '10.0.0.2', 32001],
      ['t1', 80, '10.0.0.1', 32000],
      ['t3', 80, '10.0.0.3', 1],
      ['t4', 80, '10.0.0.4', 1],
    );
    const tasks = [
      task('t2', 'web'),
      task('t1', 'web', { NodeID: 'self' }),
      task('t3', 'web', { DesiredState: 'shutdown' }), // being stopped: out at once
      task('t4', 'web', { Status: { Timestamp: '', State: 'starting' } }), // not healthy yet
      task('t5', 'web'), // endpoint not reported
    ];
    const [p] = servicePorts(s, tasks, { source, selfNodeId: 'self' });
    assert.deepEqual(p, {
      port: 8080,
      protocol: 'tcp',
      serviceId: 'web',
      balance: 'round-robin',
      proxyProtocol: false,
      endpoints: [
        { id: 't1', host: '10.0.0.1', port: 32000, drainMs: 2000, local: true },
        { id: 't2', host: '10.0.0.2', port: 32001, drainMs: 2000, local: false },
      ],
    });
  });

  it('leaves out host-mode, sctp and unallocated ports, and tasks on nodes that are down', () => {
    const s = svc('web', [
      [8080, 80],
      [9000, 90, 'tcp', 'host'],
      [9001, 91, 'sctp'],
      [0, 92],
    ]);
    const source = reportsFor(['t1', 80, 'h', 1], ['t2', 80, 'h', 2]);
    const ports = servicePorts(s, [task('t1', 'web'), task('t2', 'web', { NodeID: 'n2' })], {
      source,
      nodeDown: (n) => n === 'n2',
    });
    assert.deepEqual(
      ports.map((p) => [p.port, p.endpoints.map((e) => e.id)]),
      [[8080, ['t1']]],
    );
  });

  it('reads per-port options from labels', () => {
    const s = svc(
      'web',
      [
        [80, 80],
        [443, 443],
        [53, 53, 'udp'],
      ],
      {
        'shoal.mesh.proxy-protocol': '443,53',
        'shoal.mesh.balance': 'least-connections',
      },
    );
    const ports = servicePorts(s, [], { source: new EndpointReports() });
    assert.deepEqual(
      ports.map((p) => [p.port, p.proxyProtocol, p.balance]),
      [
        [80, false, 'least-connections'],
        [443, true, 'least-connections'],
        [53, false, 'least-connections'], // PROXY v2 is TCP only here
      ],
    );
    assert.equal(parseProxyPorts('true'), 'all');
    assert.deepEqual(parseProxyPorts('8080/tcp, x'), new Set([8080]));
  });

  it('merges services, sorted by protocol then port; a doubly claimed port goes to the smaller id', () => {
    const a = svc('a', [
      [8080, 80],
      [53, 53, 'udp'],
    ]);
    const b = svc('b', [
      [8080, 81],
      [70, 70],
    ]);
    const state = computeMeshState([b, a], () => [], { source: new EndpointReports() });
    assert.deepEqual(
      state.ports.map((p) => `${p.protocol}/${p.port}:${p.serviceId}`),
      ['tcp/70:b', 'tcp/8080:a', 'udp/53:a'],
    );
  });
});
