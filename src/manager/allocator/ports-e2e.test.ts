// Published ports through the whole path: services written to a real store, the allocator
// reacting to the events, Endpoint.Ports and task states read back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  act,
  checkInvariants,
  getService,
  getTask,
  hostPort,
  ingressPort,
  service,
  setup,
  task,
} from './fixtures.ts';
import { PENDING_MESSAGE } from './messages.ts';

const published = (s: ReturnType<typeof getService>) => (s.Endpoint?.Ports ?? []).map((p) => p.PublishedPort);

describe('published ports', () => {
  it('auto-assigns from 30000 and keeps explicit ports; the endpoint copies the spec', async () => {
    const s = await setup();
    const web = service('web', { ports: [ingressPort(80), ingressPort(443, 8443)] });
    await act(s, (tx) => {
      tx.services.create(web);
      tx.services.create(service('api', { ports: [ingressPort(80)] }));
    });
    const got = getService(s, 'web');
    assert.deepEqual(got.Endpoint?.Ports, [
      { Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress', PublishedPort: 30000 },
      { Protocol: 'tcp', TargetPort: 443, PublishMode: 'ingress', PublishedPort: 8443 },
    ]);
    assert.deepEqual(got.Endpoint?.Spec, web.Spec.EndpointSpec);
    assert.deepEqual(published(getService(s, 'api')), [30001]);
    assert.deepEqual(getService(s, 'web').Spec, web.Spec, 'the spec is not touched');
    checkInvariants(s);
  });

  it('moves a task to PENDING with the endpoint copied, only once its service is allocated', async () => {
    const s = await setup();
    const web = service('web', { ports: [ingressPort(80)] });
    const order: string[] = [];
    s.store.subscribe((events) => {
      for (const e of events) {
        if (e.table === 'services' && e.object.Endpoint) order.push('service allocated');
        if (e.table === 'tasks' && e.object.Status.State === 'pending') order.push('task pending');
      }
    });
    await act(s, (tx) => {
      tx.services.create(web);
      tx.tasks.create(task('t1', web));
    });
    assert.deepEqual(order, ['service allocated', 'task pending']);
    const t = getTask(s, 't1');
    assert.equal(t.Status.State, 'pending');
    assert.equal(t.Status.Message, PENDING_MESSAGE);
    assert.equal(t.Status.Err, undefined);
    assert.deepEqual(t.Endpoint?.Ports, getService(s, 'web').Endpoint?.Ports);
    assert.equal(
      t.NetworksAttachments?.[0]?.Network.ID,
      s.ingressId,
      'an ingress-publishing task is on ingress',
    );
  });

  it('never gives one port to two services: the second waits, NEW, saying why', async () => {
    const s = await setup();
    const a = service('a', { name: 'alpha', ports: [ingressPort(80, 8080)] });
    const b = service('b', { name: 'beta', ports: [ingressPort(81, 8080)] });
    // both written at once, as a race the controlapi's check could not see
    await act(s, (tx) => {
      tx.services.create(a);
      tx.services.create(b);
      tx.tasks.create(task('ta', a));
      tx.tasks.create(task('tb1', b, 1));
      tx.tasks.create(task('tb2', b, 2));
    });
    const why = "port '8080' is already in use by service 'alpha' (a) as an ingress port";
    assert.deepEqual(published(getService(s, 'a')), [8080]);
    assert.equal(getService(s, 'b').Endpoint, undefined);
    assert.equal(getTask(s, 'ta').Status.State, 'pending');
    for (const id of ['tb1', 'tb2']) {
      assert.equal(getTask(s, id).Status.State, 'new');
      assert.equal(getTask(s, id).Status.Err, why);
    }
    assert.deepEqual(
      s.allocator.problems().filter((p) => p.kind === 'service'),
      [{ kind: 'service', id: 'b', reason: why }],
    );
    assert.ok(s.logs.some((l) => l.level === 'warn' && l.msg.includes(why)));
    // the holder goes: the waiting service gets the port, its tasks move on
    await act(s, (tx) => tx.services.delete('a'));
    assert.deepEqual(published(getService(s, 'b')), [8080]);
    for (const id of ['tb1', 'tb2']) {
      assert.equal(getTask(s, id).Status.State, 'pending');
      assert.equal(getTask(s, id).Status.Err, undefined);
    }
    assert.deepEqual(s.allocator.problems(), []);
    checkInvariants(s);
  });

  it('releases ports when a service is removed; the lowest free port is reused', async () => {
    const s = await setup();
    await act(s, (tx) => {
      for (const id of ['a', 'b', 'c']) tx.services.create(service(id, { ports: [ingressPort(80)] }));
    });
    assert.deepEqual(
      ['a', 'b', 'c'].map((id) => published(getService(s, id))[0]),
      [30000, 30001, 30002],
    );
    await act(s, (tx) => tx.services.delete('a'));
    await act(s, (tx) => tx.services.create(service('d', { ports: [ingressPort(80)] })));
    assert.deepEqual(published(getService(s, 'd')), [30000]);
  });

  it('releases ports dropped by an EndpointSpec change, and keeps unchanged dynamic ones', async () => {
    const s = await setup();
    await act(s, (tx) =>
      tx.services.create(service('a', { ports: [ingressPort(80), ingressPort(22, 2222)] })),
    );
    assert.deepEqual(published(getService(s, 'a')), [30000, 2222]);
    await act(s, (tx) => {
      const a = tx.services.get('a');
      if (a)
        tx.services.update(a, {
          Spec: service('a', { ports: [ingressPort(80), ingressPort(22, 2200)] }).Spec,
        });
    });
    assert.deepEqual(published(getService(s, 'a')), [30000, 2200]);
    await act(s, (tx) => tx.services.create(service('b', { ports: [ingressPort(22, 2222)] })));
    assert.deepEqual(published(getService(s, 'b')), [2222], '2222 was released');
    checkInvariants(s);
  });

  it('removing every port drops the ingress VIP; tasks after that are not on ingress', async () => {
    const s = await setup();
    await act(s, (tx) => tx.services.create(service('a', { ports: [ingressPort(80)] })));
    assert.equal(getService(s, 'a').Endpoint?.VirtualIPs?.[0]?.NetworkID, s.ingressId);
    await act(s, (tx) => {
      const a = tx.services.get('a');
      if (a) tx.services.update(a, { Spec: service('a').Spec });
    });
    const e = getService(s, 'a').Endpoint;
    assert.deepEqual(e, { Spec: { Mode: 'vip' } });
    await act(s, (tx) => tx.tasks.create(task('t', getService(s, 'a'))));
    assert.equal(getTask(s, 't').NetworksAttachments, undefined);
    await act(s, (tx) => tx.services.create(service('b', { ports: [ingressPort(80)] })));
    assert.deepEqual(published(getService(s, 'b')), [30000]);
  });

  it('host-mode ports are copied, not allocated swarm-wide, and need no ingress', async () => {
    const s = await setup({ ingress: false });
    await act(s, (tx) => {
      tx.services.create(service('a', { ports: [hostPort(80, 8080)] }));
      tx.services.create(service('b', { ports: [hostPort(80, 8080)] }));
      tx.tasks.create(task('tb', service('b', { ports: [hostPort(80, 8080)] })));
    });
    for (const id of ['a', 'b']) assert.deepEqual(getService(s, id).Endpoint?.Ports, [hostPort(80, 8080)]);
    assert.equal(getService(s, 'a').Endpoint?.VirtualIPs, undefined);
    const t = getTask(s, 'tb');
    assert.equal(t.Status.State, 'pending');
    assert.deepEqual(t.Endpoint?.Ports, [hostPort(80, 8080)], 'the scheduler reads host ports here');
  });

  it('without an ingress network a service publishing through the mesh waits, in Docker words', async () => {
    const s = await setup({ ingress: false });
    const a = service('a', { ports: [ingressPort(80)] });
    await act(s, (tx) => {
      tx.services.create(a);
      tx.tasks.create(task('t', a));
    });
    const why = 'service needs ingress network, but no ingress network is present';
    assert.equal(getTask(s, 't').Status.Err, why);
    assert.equal(getTask(s, 't').Status.State, 'new');
  });

  it('dynamic port exhaustion is reported, and cured by a release', async () => {
    const s = await setup();
    const many = Array.from({ length: 2768 }, (_, i) => ingressPort(10000 + i));
    await act(s, (tx) => tx.services.create(service('hog', { ports: many })));
    assert.equal(getService(s, 'hog').Endpoint?.Ports?.length, 2768);
    const b = service('b', { ports: [ingressPort(80)] });
    await act(s, (tx) => {
      tx.services.create(b);
      tx.tasks.create(task('tb', b));
    });
    assert.equal(getTask(s, 'tb').Status.Err, 'resource dynamic port space is exhausted: protocol tcp');
    await act(s, (tx) => tx.services.delete('hog'));
    assert.equal(getTask(s, 'tb').Status.State, 'pending');
    assert.deepEqual(published(getService(s, 'b')), [30000]);
  });
});
