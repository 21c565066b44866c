// Networks, virtual IPs and task addresses through the whole path (real store, events).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../../base/rng.ts';
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
import { ensureIngressNetwork } from './ingress.ts';

const subnetOf = (s: Parameters<typeof getNetwork>[0], id: string) =>
  getNetwork(s, id).IPAMOptions?.Configs?.map((c) => `${c.Subnet} gw ${c.Gateway}`);
const addrs = (s: Parameters<typeof getTask>[0], id: string) =>
  (getTask(s, id).NetworksAttachments ?? []).map((na) => `${na.Network.ID}:${na.Addresses.join(',')}`);

describe('networks', () => {
  it("ingress gets Docker's 10.0.0.0/24, user overlays the next /24s; driver state holds VXLAN ids", async () => {
    const s = await setup();
    await act(s, (tx) => {
      tx.networks.create(overlay('n1'));
      tx.networks.create(overlay('n2'));
    });
    const ingress = getNetwork(s, s.ingressId as string);
    assert.equal(ingress.Spec.Name, 'ingress');
    assert.equal(ingress.Spec.Ingress, true);
    assert.deepEqual(ingress.IPAMOptions, {
      Driver: { Name: 'default' },
      Configs: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }],
    });
    assert.deepEqual(ingress.DriverState, {
      Name: 'overlay',
      Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4096' },
    });
    assert.deepEqual(subnetOf(s, 'n1'), ['10.0.1.0/24 gw 10.0.1.1']);
    assert.deepEqual(subnetOf(s, 'n2'), ['10.0.2.0/24 gw 10.0.2.1']);
    assert.equal(
      getNetwork(s, 'n2').DriverState?.Options?.['com.docker.network.driver.overlay.vxlanid_list'],
      '4098',
    );
  });

  it('keeps a subnet, range and gateway the user gave; refuses an overlapping one', async () => {
    const s = await setup();
    await act(s, (tx) => {
      tx.networks.create(
        overlay('mine', { subnet: '192.168.7.0/24', gateway: '192.168.7.254', range: '192.168.7.128/25' }),
      );
      tx.networks.create(overlay('clash', { subnet: '10.0.0.128/25' }));
    });
    assert.deepEqual(getNetwork(s, 'mine').IPAMOptions?.Configs, [
      { Subnet: '192.168.7.0/24', IPRange: '192.168.7.128/25', Gateway: '192.168.7.254' },
    ]);
    assert.equal(getNetwork(s, 'clash').IPAMOptions, undefined);
    assert.deepEqual(s.allocator.problems(), [
      {
        kind: 'network',
        id: 'clash',
        reason:
          'failed allocating pools and gateway IP for network clash: Pool overlaps with other one on this address space',
      },
    ]);
    const svc = service('svc', { networks: ['mine', 'clash'] });
    await act(s, (tx) => {
      tx.services.create(svc);
      tx.tasks.create(task('t', svc));
    });
    assert.match(getTask(s, 't').Status.Err ?? '', /Pool overlaps/, 'a task on it says why it waits');
    assert.equal(getTask(s, 't').Status.State, 'new');
    const vip = getService(s, 'svc').Endpoint?.VirtualIPs;
    assert.equal(vip, undefined, 'all or nothing: no VIP on the good network either');
  });

  it("takes subnets from the cluster's DefaultAddrPool and SubnetSize", async () => {
    const s = await setup({ pool: ['192.168.0.0/16'], subnetSize: 26 });
    await act(s, (tx) => tx.networks.create(overlay('n1')));
    assert.deepEqual(subnetOf(s, s.ingressId as string), ['192.168.0.0/26 gw 192.168.0.1']);
    assert.deepEqual(subnetOf(s, 'n1'), ['192.168.0.64/26 gw 192.168.0.65']);
  });

  it('says when the pools are fully subnetted, and uses a subnet freed by a removed network', async () => {
    const s = await setup({ pool: ['10.10.0.0/23'], ingress: false });
    await act(s, (tx) => {
      for (const id of ['n1', 'n2', 'n3']) tx.networks.create(overlay(id));
    });
    assert.deepEqual(subnetOf(s, 'n1'), ['10.10.0.0/24 gw 10.10.0.1']);
    assert.deepEqual(subnetOf(s, 'n2'), ['10.10.1.0/24 gw 10.10.1.1']);
    assert.deepEqual(s.allocator.problems(), [
      {
        kind: 'network',
        id: 'n3',
        reason:
          'failed allocating pools and gateway IP for network n3: all predefined address pools have been fully subnetted',
      },
    ]);
    await act(s, (tx) => tx.networks.delete('n1'));
    assert.deepEqual(subnetOf(s, 'n3'), ['10.10.0.0/24 gw 10.10.0.1']);
    assert.deepEqual(s.allocator.problems(), []);
  });

  it('refuses an IPv6 subnet in words that say so', async () => {
    const s = await setup();
    await act(s, (tx) => tx.networks.create(overlay('v6', { subnet: '2001:db8::/64' })));
    assert.match(
      s.allocator.problems()[0]?.reason ?? '',
      /IPv6 subnet 2001:db8::\/64 is not supported by shoal$/,
    );
  });
});

describe('virtual IPs and task addresses', () => {
  it('one VIP per attached network, ingress first; one address per network for each task, all distinct', async () => {
    const s = await setup();
    await act(s, (tx) => {
      tx.networks.create(overlay('front'));
      tx.networks.create(overlay('back'));
    });
    const web = service('web', { ports: [ingressPort(80)], networks: ['front', 'back'] });
    await act(s, (tx) => {
      tx.services.create(web);
      for (let i = 1; i <= 3; i++) tx.tasks.create(task(`t${i}`, web, i));
    });
    assert.deepEqual(getService(s, 'web').Endpoint?.VirtualIPs, [
      { NetworkID: s.ingressId, Addr: '10.0.0.2/24' },
      { NetworkID: 'front', Addr: '10.0.1.2/24' },
      { NetworkID: 'back', Addr: '10.0.2.2/24' },
    ]);
    assert.deepEqual(addrs(s, 't1'), [`${s.ingressId}:10.0.0.3/24`, 'front:10.0.1.3/24', 'back:10.0.2.3/24']);
    assert.deepEqual(addrs(s, 't3'), [`${s.ingressId}:10.0.0.5/24`, 'front:10.0.1.5/24', 'back:10.0.2.5/24']);
    checkInvariants(s);
  });

  it('dnsrr services get no VIP; their tasks still get addresses', async () => {
    const s = await setup();
    await act(s, (tx) => tx.networks.create(overlay('n1')));
    const db = service('db', { mode: 'dnsrr', networks: ['n1'] });
    await act(s, (tx) => {
      tx.services.create(db);
      tx.tasks.create(task('t1', db));
    });
    assert.equal(getService(s, 'db').Endpoint, undefined);
    assert.equal(getTask(s, 't1').Status.State, 'pending');
    assert.deepEqual(addrs(s, 't1'), ['n1:10.0.1.2/24']);
    // switching to vip gives it one; back to dnsrr takes it away
    const toMode = (mode: 'vip' | 'dnsrr') => async () =>
      act(s, (tx) => {
        const cur = tx.services.get('db');
        if (cur) tx.services.update(cur, { Spec: service('db', { mode, networks: ['n1'] }).Spec });
      });
    await toMode('vip')();
    assert.deepEqual(getService(s, 'db').Endpoint?.VirtualIPs, [{ NetworkID: 'n1', Addr: '10.0.1.3/24' }]);
    await toMode('dnsrr')();
    assert.equal(getService(s, 'db').Endpoint?.VirtualIPs, undefined);
  });

  it('a service update adding a network keeps the other VIPs; removal frees them', async () => {
    const s = await setup();
    await act(s, (tx) => {
      tx.networks.create(overlay('a'));
      tx.networks.create(overlay('b'));
    });
    await act(s, (tx) => tx.services.create(service('x', { networks: ['a'] })));
    await act(s, (tx) => {
      const x = tx.services.get('x');
      if (x) tx.services.update(x, { Spec: service('x', { networks: ['a', 'b'] }).Spec });
    });
    assert.deepEqual(getService(s, 'x').Endpoint?.VirtualIPs, [
      { NetworkID: 'a', Addr: '10.0.1.2/24' },
      { NetworkID: 'b', Addr: '10.0.2.2/24' },
    ]);
    await act(s, (tx) => tx.services.delete('x'));
    await act(s, (tx) => tx.services.create(service('y', { networks: ['b'] })));
    assert.deepEqual(
      getService(s, 'y').Endpoint?.VirtualIPs,
      [{ NetworkID: 'b', Addr: '10.0.2.3/24' }],
      'serial',
    );
  });

  it('frees a task address when the task finishes or is deleted; serial reuse after wrap', async () => {
    const s = await setup();
    // .1 gateway, .2 VIP, .3-.6 for tasks
    await act(s, (tx) => tx.networks.create(overlay('tiny', { subnet: '10.9.0.0/29' })));
    const svc = service('svc', { networks: ['tiny'] });
    await act(s, (tx) => {
      tx.services.create(svc);
      for (let i = 1; i <= 5; i++) tx.tasks.create(task(`t${i}`, svc, i));
    });
    assert.deepEqual(
      ['t1', 't2', 't3', 't4'].map((id) => addrs(s, id)[0]),
      ['tiny:10.9.0.3/29', 'tiny:10.9.0.4/29', 'tiny:10.9.0.5/29', 'tiny:10.9.0.6/29'],
    );
    assert.equal(getTask(s, 't5').Status.State, 'new');
    assert.equal(
      getTask(s, 't5').Status.Err,
      'failed to allocate network IP for task t5 network tiny: could not find an available IP',
    );
    // t2 runs then fails: its address is free again and t5 gets it
    for (const st of ['assigned', 'running', 'failed'] as const) await setState(s, 't2', st);
    await s.allocator.idle();
    assert.equal(getTask(s, 't5').Status.State, 'pending');
    assert.deepEqual(addrs(s, 't5'), ['tiny:10.9.0.4/29']);
    assert.deepEqual(addrs(s, 't2'), ['tiny:10.9.0.4/29'], 'a finished task keeps its record, as in Docker');
    checkInvariants(s);
    // deleting a NEW-then-pending task frees its address too
    await act(s, (tx) => tx.tasks.delete('t1'));
    await act(s, (tx) => tx.tasks.create(task('t6', svc, 6)));
    assert.deepEqual(addrs(s, 't6'), ['tiny:10.9.0.3/29']);
    // deleting the finished task later frees nothing more
    await act(s, (tx) => tx.tasks.delete('t2'));
    await act(s, (tx) => tx.tasks.create(task('t7', svc, 7)));
    assert.equal(getTask(s, 't7').Status.State, 'new');
    checkInvariants(s);
  });

  it('a VIP that cannot be had leaves the service and its tasks waiting, in Docker words', async () => {
    const s = await setup();
    await act(s, (tx) => tx.networks.create(overlay('tiny', { subnet: '10.9.0.0/30' }))); // .1 gw, .2
    await act(s, (tx) => tx.services.create(service('a', { networks: ['tiny'] })));
    const b = service('b', { networks: ['tiny'] });
    await act(s, (tx) => {
      tx.services.create(b);
      tx.tasks.create(task('tb', b));
    });
    assert.equal(getTask(s, 'tb').Status.Err, 'could not find an available IP while allocating VIP');
    await act(s, (tx) => tx.services.delete('a'));
    assert.deepEqual(getService(s, 'b').Endpoint?.VirtualIPs, [{ NetworkID: 'tiny', Addr: '10.9.0.2/30' }]);
    assert.equal(
      getTask(s, 'tb').Status.Err,
      'failed to allocate network IP for task tb network tiny: could not find an available IP',
    );
  });

  it('a network removed under a service and created again (same id) gives fresh VIPs, not the old ones', async () => {
    const s = await setup();
    await act(s, (tx) => tx.networks.create(overlay('n')));
    await act(s, (tx) => tx.services.create(service('svc', { networks: ['n'] })));
    assert.deepEqual(getService(s, 'svc').Endpoint?.VirtualIPs, [{ NetworkID: 'n', Addr: '10.0.1.2/24' }]);
    await act(s, (tx) => tx.networks.delete('n'));
    assert.deepEqual(s.allocator.problems(), [{ kind: 'service', id: 'svc', reason: 'network n not found' }]);
    await act(s, (tx) => tx.networks.create(overlay('n', { subnet: '10.0.5.0/24' })));
    assert.deepEqual(getService(s, 'svc').Endpoint?.VirtualIPs, [{ NetworkID: 'n', Addr: '10.0.5.2/24' }]);
    checkInvariants(s);
  });

  it('a task naming a missing network waits, saying so', async () => {
    const s = await setup();
    const svc = service('svc', { networks: ['nope'] });
    await act(s, (tx) => {
      tx.services.create(svc);
      tx.tasks.create(task('t', svc));
    });
    assert.equal(getTask(s, 't').Status.Err, 'network nope not found');
  });
});

describe('ensureIngressNetwork', () => {
  it('creates the ingress network once; any ingress network counts, whatever its name', async () => {
    const s = await setup({ start: false });
    const again = await ensureIngressNetwork(s.store, { rng: new SeededRng(2) });
    assert.equal(again.ID, s.ingressId);
    assert.deepEqual(again.Spec, {
      Name: 'ingress',
      Labels: {},
      DriverConfiguration: { Name: 'overlay' },
      Ingress: true,
      IPAMOptions: { Driver: { Name: 'default' }, Configs: [] },
      Scope: 'swarm',
    });
    await s.store.update((tx) => tx.networks.delete(s.ingressId as string));
    await s.store.update((tx) =>
      tx.networks.create({
        ID: 'mesh',
        Spec: { Name: 'my-mesh', Ingress: true, DriverConfiguration: { Name: 'overlay' } },
      }),
    );
    assert.equal((await ensureIngressNetwork(s.store, { rng: new SeededRng(3) })).ID, 'mesh');
    assert.equal(
      s.store.view((tx) => tx.networks.count()),
      1,
    );
  });
});
