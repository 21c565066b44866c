// Leader changes: a new Allocator on the same store rebuilds from it, writes nothing for what
// is already allocated, and never hands out what the old one gave.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  act,
  checkInvariants,
  getNetwork,
  getService,
  getTask,
  ingressPort,
  overlay,
  service,
  setState,
  setup,
  task,
} from './fixtures.ts';

async function populated() {
  const s = await setup();
  await act(s, (tx) => {
    tx.networks.create(overlay('n1'));
    tx.networks.create(overlay('n2', { subnet: '172.20.0.0/16' }));
  });
  const web = service('web', { ports: [ingressPort(80), ingressPort(443, 443)], networks: ['n1'] });
  const api = service('api', { ports: [ingressPort(8080)], networks: ['n1', 'n2'] });
  await act(s, (tx) => {
    tx.services.create(web);
    tx.services.create(api);
    for (let i = 1; i <= 5; i++) {
      tx.tasks.create(task(`web${i}`, web, i));
      tx.tasks.create(task(`api${i}`, api, i));
    }
  });
  return { s, web, api };
}

describe('rebuild after a leader change', () => {
  it('a new allocator sees every allocation and writes nothing', async () => {
    const { s } = await populated();
    const before = s.store.index;
    const snapshot = s.store.stateMachine.snapshot();
    await s.restart();
    assert.equal(s.store.index, before, 'no entry proposed');
    assert.deepEqual(s.store.stateMachine.snapshot(), snapshot);
    assert.deepEqual(s.allocator.problems(), []);
  });

  it('allocates nothing twice after the rebuild: ports, VIPs, addresses, subnets, VXLAN ids', async () => {
    const { s, web } = await populated();
    const old = {
      ports: ['web', 'api'].flatMap((id) => getService(s, id).Endpoint?.Ports?.map((p) => p.PublishedPort)),
      n1: getNetwork(s, 'n1').IPAMOptions?.Configs?.[0]?.Subnet,
    };
    assert.deepEqual(old.ports, [30000, 443, 30001]);
    await s.restart();
    await act(s, (tx) => {
      tx.networks.create(overlay('n3'));
      tx.services.create(service('new', { ports: [ingressPort(80)], networks: ['n1'] }));
      for (let i = 6; i <= 8; i++) tx.tasks.create(task(`web${i}`, web, i));
    });
    assert.deepEqual(
      getService(s, 'new').Endpoint?.Ports?.map((p) => p.PublishedPort),
      [30002],
    );
    assert.equal(getNetwork(s, 'n3').IPAMOptions?.Configs?.[0]?.Subnet, '10.0.2.0/24');
    assert.equal(
      getNetwork(s, 'n3').DriverState?.Options?.['com.docker.network.driver.overlay.vxlanid_list'],
      '4099',
    );
    for (let i = 6; i <= 8; i++) assert.equal(getTask(s, `web${i}`).Status.State, 'pending');
    checkInvariants(s);
  });

  it('picks up work left over: tasks created while no allocator ran', async () => {
    const { s, api } = await populated();
    await s.allocator.stop();
    await s.store.update((tx) => {
      for (let i = 6; i <= 9; i++) tx.tasks.create(task(`api${i}`, api, i));
      tx.networks.create(overlay('n3'));
    });
    assert.equal(getTask(s, 'api6').Status.State, 'new', 'a stopped allocator does nothing');
    await s.restart();
    for (let i = 6; i <= 9; i++) assert.equal(getTask(s, `api${i}`).Status.State, 'pending');
    assert.ok(getNetwork(s, 'n3').IPAMOptions);
    checkInvariants(s);
  });

  it('stopping mid-flight and starting again loses and duplicates nothing', async () => {
    const s = await setup();
    await act(s, (tx) => tx.networks.create(overlay('n1', { subnet: '10.50.0.0/16' })));
    // (no published port: ingress is a /24, 600 tasks would not fit, in Docker either)
    const svc = service('svc', { networks: ['n1'] });
    await act(s, (tx) => tx.services.create(svc));
    // writes land while the allocator is between a decision and its batch result
    await s.store.batch((b) => {
      for (let i = 0; i < 300; i++) b.update((tx) => tx.tasks.create(task(`t${i}`, svc, i + 1)));
    });
    const stopped = s.allocator.stop();
    await s.store.batch((b) => {
      for (let i = 300; i < 600; i++) b.update((tx) => tx.tasks.create(task(`t${i}`, svc, i + 1)));
    });
    await stopped;
    await s.restart();
    const states = s.store.view((tx) => tx.tasks.all().map((t) => t.Status.State));
    assert.equal(states.length, 600);
    assert.ok(states.every((st) => st === 'pending'));
    checkInvariants(s);
  });

  it('addresses of finished tasks are free again after a rebuild', async () => {
    const s = await setup();
    await act(s, (tx) => tx.networks.create(overlay('tiny', { subnet: '10.9.0.0/29' }))); // 4 task addresses
    const svc = service('svc', { networks: ['tiny'] });
    await act(s, (tx) => {
      tx.services.create(svc);
      for (let i = 1; i <= 4; i++) tx.tasks.create(task(`t${i}`, svc, i));
    });
    for (const st of ['assigned', 'running', 'complete'] as const) await setState(s, 't1', st);
    await s.restart();
    await act(s, (tx) => tx.tasks.create(task('t5', svc, 5)));
    assert.equal(getTask(s, 't5').Status.State, 'pending');
    assert.deepEqual(getTask(s, 't5').NetworksAttachments?.[0]?.Addresses, ['10.9.0.3/29']);
    checkInvariants(s);
  });

  it('a port two stored services claim stays with the first; the second is refused, not doubled', async () => {
    const s = await setup({ start: false });
    const a = service('a', { ports: [ingressPort(80, 8080)] });
    const b = service('b', { ports: [ingressPort(81, 8080)] });
    const endpoint = (p: number) => ({
      Spec: { Mode: 'vip' as const, Ports: [ingressPort(80, p)] },
      Ports: [{ ...ingressPort(80, p) }],
    });
    // a store that went wrong (the allocator never writes this): both endpoints hold 8080
    await s.store.update((tx) => {
      tx.services.create({ ...a, Endpoint: endpoint(8080) });
      tx.services.create({ ...b, Endpoint: endpoint(8080) });
      tx.tasks.create(task('tb', b));
    });
    s.allocator.start();
    await s.allocator.idle();
    assert.ok(
      s.logs.some((l) => l.level === 'error' && l.msg.includes('port tcp/8080 is held by service a')),
    );
    assert.equal(getTask(s, 'tb').Status.State, 'new');
    assert.match(getTask(s, 'tb').Status.Err ?? '', /port '8080' is already in use by service 'a'/);
    await act(s, (tx) => tx.services.create(service('c', { ports: [ingressPort(80, 8080)] })));
    assert.equal(getService(s, 'c').Endpoint, undefined, 'nobody else gets 8080 either');
  });

  it('an address two live tasks hold stays taken until both let go', async () => {
    const s = await setup({ start: false });
    await s.store.update((tx) => {
      tx.networks.create({
        ...overlay('n', { subnet: '10.9.0.0/30' }), // .1 gateway, .2 the only address
        IPAMOptions: {
          Driver: { Name: 'default' },
          Configs: [{ Subnet: '10.9.0.0/30', Gateway: '10.9.0.1' }],
        },
        DriverState: { Name: 'overlay', Options: {} },
      });
    });
    const svc = service('svc', { mode: 'dnsrr', networks: ['n'] });
    const held = { NetworksAttachments: [{ Network: { ID: 'n' }, Addresses: ['10.9.0.2/30'] }] };
    await s.store.update((tx) => {
      tx.services.create(svc);
      for (const id of ['x', 'y'])
        tx.tasks.create({ ...task(id, svc), ...held, Status: { Timestamp: '', State: 'running' } });
      tx.tasks.create(task('z', svc));
    });
    s.allocator.start();
    await s.allocator.idle();
    assert.ok(s.logs.some((l) => l.level === 'error' && l.msg.includes('has another holder')));
    assert.equal(getTask(s, 'z').Status.State, 'new');
    await setState(s, 'x', 'complete');
    await s.allocator.idle();
    assert.equal(getTask(s, 'z').Status.State, 'new', 'y still holds it');
    await setState(s, 'y', 'complete');
    await s.allocator.idle();
    assert.equal(getTask(s, 'z').Status.State, 'pending');
  });
});
