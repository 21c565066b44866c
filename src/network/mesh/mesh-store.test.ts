import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { realClock } from '../../base/clock.ts';
import { MemoryStore } from '../../store/memory-store.ts';
import { newNode, newService, newTask } from '../../store/testing.ts';
import { MeshFeed } from './mesh-store.ts';
import { EndpointReports } from './reports.ts';
import type { MeshState } from './types.ts';

const ports = [
  { Protocol: 'tcp' as const, TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' as const },
];
const running = { Timestamp: '2025-01-01T00:00:00.000Z', State: 'running' as const };

function setup() {
  const store = MemoryStore.local({ clock: realClock, freeze: true });
  const reports = new EndpointReports();
  const states: MeshState[] = [];
  const feed = new MeshFeed({
    store,
    clock: realClock,
    source: reports,
    changes: reports,
    selfNodeId: 'n1',
    debounceMs: 5,
    onState: (s) => states.push(s),
  });
  const endpoints = (): string[] =>
    (states.at(-1)?.ports[0]?.endpoints ?? []).map(
      (e) => `${e.id}@${e.host}:${e.port}${e.local ? ' local' : ''}`,
    );
  const settle = () => sleep(30);
  return { store, reports, states, feed, endpoints, settle };
}

describe('MeshFeed (the store adapter)', () => {
  it('starts from the store and follows tasks, reports, services and nodes', async () => {
    const { store, reports, states, feed, endpoints, settle } = setup();
    await store.update((tx) => {
      tx.nodes.create(newNode('n1', 'one'));
      tx.nodes.create(newNode('n2', 'two'));
      tx.services.create(newService('s1', 'web', { Endpoint: { Spec: {}, Ports: ports } }));
      tx.tasks.create(newTask('t1', 's1', { NodeID: 'n1', Status: running }));
    });
    reports.set('t1', [{ targetPort: 80, protocol: 'tcp', host: '10.0.0.1', port: 30001 }]);
    feed.start();
    try {
      assert.deepEqual(endpoints(), ['t1@10.0.0.1:30001 local'], 'initial view, sent at once');

      await store.update((tx) => tx.tasks.create(newTask('t2', 's1', { NodeID: 'n2', Status: running })));
      await settle();
      assert.deepEqual(endpoints(), ['t1@10.0.0.1:30001 local'], 'no endpoint reported yet');
      reports.set('t2', [{ targetPort: 80, protocol: 'tcp', host: '10.0.0.2', port: 30002 }]);
      await settle();
      assert.deepEqual(endpoints(), ['t1@10.0.0.1:30001 local', 't2@10.0.0.2:30002']);

      await store.update((tx) => tx.nodes.update(tx.nodes.get('n2')!, { Status: { State: 'down' } }));
      await settle();
      assert.deepEqual(endpoints(), ['t1@10.0.0.1:30001 local'], 'node down: its tasks leave');
      await store.update((tx) => tx.nodes.update(tx.nodes.get('n2')!, { Status: { State: 'ready' } }));
      await settle();
      assert.equal(endpoints().length, 2);

      await store.update((tx) => tx.tasks.update(tx.tasks.get('t1')!, { DesiredState: 'shutdown' }));
      await settle();
      assert.deepEqual(endpoints(), ['t2@10.0.0.2:30002'], 'desired shutdown: out before it stops');
      await store.update((tx) =>
        tx.tasks.update(tx.tasks.get('t2')!, { Status: { ...running, State: 'failed' } }),
      );
      await settle();
      assert.deepEqual(endpoints(), [], 'failed: out; the port stays, refusing');
      assert.equal(states.at(-1)?.ports.length, 1);

      const before = states.length;
      await store.update((tx) => tx.tasks.update(tx.tasks.get('t2')!, { Labels: { x: 'y' } }));
      await settle();
      assert.equal(states.length, before, 'an unchanged table is not sent again');

      await store.update((tx) => tx.services.delete('s1'));
      await settle();
      assert.deepEqual(states.at(-1)?.ports, [], 'service removed: port closed');
    } finally {
      feed.stop();
    }
  });

  it('coalesces a burst of events into one new state', async () => {
    const { store, reports, states, feed, settle } = setup();
    await store.update((tx) =>
      tx.services.create(newService('s1', 'web', { Endpoint: { Spec: {}, Ports: ports } })),
    );
    feed.start();
    try {
      const n0 = states.length;
      for (let i = 0; i < 10; i++)
        reports.set(`t${i}`, [{ targetPort: 80, protocol: 'tcp', host: 'h', port: i + 1 }]);
      await store.batch((b) => {
        for (let i = 0; i < 10; i++)
          b.update((tx) => tx.tasks.create(newTask(`t${i}`, 's1', { Status: running })));
      });
      await settle();
      assert.equal(states.length, n0 + 1);
      assert.equal(states.at(-1)?.ports[0]?.endpoints.length, 10);
    } finally {
      feed.stop();
    }
  });
});
