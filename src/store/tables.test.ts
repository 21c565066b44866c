// The tables' own queries and rules, through a local store: task indexes, node names
// (not unique), unique names (case-insensitive), labels, references, Docker's lookups.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShoalError } from '../base/errors.ts';
import { AmbiguousError, NameConflictError, NotFoundError } from './errors.ts';
import {
  newCluster,
  newConfig,
  newNetwork,
  newNode,
  newSecret,
  newService,
  newTask,
  testStore,
} from './testing.ts';

const ids = (os: ReadonlyArray<{ ID: string }>): string[] => os.map((o) => o.ID).sort();

test('tasks: by service, node, slot, (service, node), desired and observed state', async () => {
  const s = testStore();
  await s.update((tx) => {
    tx.tasks.create(newTask('t1', 'web', { Slot: 1, NodeID: 'n1' }));
    tx.tasks.create(newTask('t2', 'web', { Slot: 2, NodeID: 'n2' }));
    tx.tasks.create(newTask('t3', 'web', { Slot: 1, DesiredState: 'shutdown' }));
    tx.tasks.create(newTask('t4', 'agent', { NodeID: 'n1' }));
  });
  s.view((tx) => {
    assert.deepEqual(ids(tx.tasks.byService('web')), ['t1', 't2', 't3']);
    assert.deepEqual(ids(tx.tasks.byNode('n1')), ['t1', 't4']);
    assert.deepEqual(ids(tx.tasks.bySlot('web', 1)), ['t1', 't3']);
    assert.deepEqual(ids(tx.tasks.bySlot('web', 3)), []);
    assert.deepEqual(ids(tx.tasks.byServiceNode('agent', 'n1')), ['t4']);
    assert.deepEqual(ids(tx.tasks.byServiceNode('web', 'n1')), ['t1']);
    assert.deepEqual(ids(tx.tasks.byDesiredState('shutdown')), ['t3']);
    assert.deepEqual(ids(tx.tasks.byState('new')), ['t1', 't2', 't3', 't4']);
    assert.equal(tx.tasks.count(), 4);
  });
});

test('tasks: the observed state never moves backward, at write and at apply', async () => {
  const s = testStore();
  await s.update((tx) =>
    tx.tasks.create(newTask('t1', 'web', { Status: { Timestamp: '', State: 'running' } })),
  );
  const t = s.view((tx) => tx.tasks.get('t1'));
  assert.ok(t);
  await assert.rejects(
    s.update((tx) => tx.tasks.update({ ...t, Status: { ...t.Status, State: 'pending' } })),
    (e: unknown) => isShoalError(e, 'failed_precondition') && /from running to pending/.test(e.message),
  );
  await s.update((tx) => tx.tasks.update({ ...t, Status: { ...t.Status, State: 'failed' } }));
  assert.equal(
    s.view((tx) => tx.tasks.get('t1')?.Status.State),
    'failed',
  );
});

test('nodes: by Spec.Name or hostname (not unique), role, availability, state', async () => {
  const s = testStore();
  await s.update((tx) => {
    tx.nodes.create(newNode('n1', 'box-a'));
    tx.nodes.create(
      newNode('n2', 'box-b', { Spec: { Name: 'Edge', Role: 'manager', Availability: 'drain' } }),
    );
    tx.nodes.create(newNode('n3', 'box-a', { Status: { State: 'down' } }));
  });
  s.view((tx) => {
    assert.deepEqual(ids(tx.nodes.byName('box-a')), ['n1', 'n3']);
    assert.deepEqual(ids(tx.nodes.byName('edge')), ['n2']);
    assert.deepEqual(ids(tx.nodes.byName('box-b')), ['n2']);
    assert.deepEqual(ids(tx.nodes.byRole('manager')), ['n2']);
    assert.deepEqual(ids(tx.nodes.byAvailability('active')), ['n1', 'n3']);
    assert.deepEqual(ids(tx.nodes.byState('ready')), ['n1', 'n2']);
    const amb = tx.nodes.lookup('box-a');
    assert.ok(!amb.ok && amb.error instanceof AmbiguousError);
    assert.equal(amb.ok ? '' : amb.error.message, 'node box-a is ambiguous (2 matches found)');
    const one = tx.nodes.lookup('Edge');
    assert.ok(one.ok && one.object.ID === 'n2');
  });
});

test("unique names are case-insensitive, with each table's words", async () => {
  const s = testStore();
  await s.update((tx) => {
    tx.services.create(newService('s1', 'web'));
    tx.secrets.create(newSecret('x1', 'pw'));
    tx.configs.create(newConfig('c1', 'conf'));
    tx.networks.create(newNetwork('w1', 'backend'));
    tx.clusters.create(newCluster('k1'));
  });
  const clash = async (fn: Parameters<typeof s.update>[0], message: string) =>
    assert.rejects(s.update(fn), (e: unknown) => {
      assert.ok(e instanceof NameConflictError);
      assert.equal(e.code, 'already_exists');
      assert.equal(e.message, message);
      return true;
    });
  await clash(
    (tx) => tx.services.create(newService('s2', 'WEB')),
    'name conflicts with an existing object: service WEB already exists',
  );
  await clash((tx) => tx.secrets.create(newSecret('x2', 'pw')), 'secret pw already exists');
  await clash((tx) => tx.configs.create(newConfig('c2', 'Conf')), 'config Conf already exists');
  await clash(
    (tx) => tx.networks.create(newNetwork('w2', 'backend')),
    'network with name backend already exists',
  );
  await clash((tx) => tx.clusters.create(newCluster('k2')), 'name conflicts with an existing object');
  s.view((tx) => {
    assert.equal(tx.services.byName('Web')?.ID, 's1');
    assert.equal(tx.secrets.byName('PW')?.ID, 'x1');
    assert.equal(tx.configs.byName('conf')?.ID, 'c1');
    assert.equal(tx.networks.byName('backend')?.ID, 'w1');
    assert.equal(tx.clusters.current()?.ID, 'k1');
  });
  // Renaming to a free name frees the old one.
  const svc = s.view((tx) => tx.services.get('s1'));
  assert.ok(svc);
  await s.update((tx) => tx.services.update({ ...svc, Spec: { ...svc.Spec, Name: 'api' } }));
  await s.update((tx) => tx.services.create(newService('s2', 'web')));
  assert.deepEqual(
    s.view((tx) => [tx.services.byName('web')?.ID, tx.services.byName('api')?.ID]),
    ['s2', 's1'],
  );
});

test('labels: key present, or key=value', async () => {
  const s = testStore();
  await s.update((tx) => {
    tx.services.create(
      newService('s1', 'a', { Spec: { ...newService('', 'a').Spec, Labels: { tier: 'web', x: '' } } }),
    );
    tx.services.create(
      newService('s2', 'b', { Spec: { ...newService('', 'b').Spec, Labels: { tier: 'db' } } }),
    );
    tx.services.create(newService('s3', 'c'));
  });
  s.view((tx) => {
    assert.deepEqual(ids(tx.services.byLabel('tier')), ['s1', 's2']);
    assert.deepEqual(ids(tx.services.byLabel('tier', 'db')), ['s2']);
    assert.deepEqual(ids(tx.services.byLabel('x', '')), ['s1']);
    assert.deepEqual(ids(tx.services.byLabel('tier', 'nope')), []);
  });
});

test('services by the secrets, configs and networks they reference', async () => {
  const s = testStore();
  const spec = newService('', '').Spec;
  await s.update((tx) => {
    tx.services.create(
      newService('s1', 'a', {
        Spec: {
          ...spec,
          Name: 'a',
          TaskTemplate: {
            ContainerSpec: {
              Image: 'x',
              Secrets: [{ SecretID: 'sec1', SecretName: 'pw' }],
              Configs: [{ ConfigID: 'cfg1', ConfigName: 'c' }],
            },
            Networks: [{ Target: 'net1' }],
          },
        },
      }),
    );
    tx.services.create(
      newService('s2', 'b', { Spec: { ...spec, Name: 'b', Networks: [{ Target: 'net1' }] } }),
    );
  });
  s.view((tx) => {
    assert.deepEqual(ids(tx.services.bySecret('sec1')), ['s1']);
    assert.deepEqual(ids(tx.services.byConfig('cfg1')), ['s1']);
    assert.deepEqual(ids(tx.services.byNetwork('net1')), ['s1', 's2']);
  });
});

test("lookup: full id, then exact name, then unique id prefix, in Docker's words", async () => {
  const s = testStore();
  await s.update((tx) => {
    tx.services.create(newService('9abc0000000000000000000001', 'web'));
    tx.services.create(newService('9abd0000000000000000000002', 'api'));
    tx.services.create(newService('7777000000000000000000003', '9abc'));
  });
  s.view((tx) => {
    const byId = tx.services.lookup('9abd0000000000000000000002');
    assert.ok(byId.ok && byId.object.Spec.Name === 'api');
    const byName = tx.services.lookup('9abc'); // a name wins over an id prefix
    assert.ok(byName.ok && byName.object.ID === '7777000000000000000000003');
    const byPrefix = tx.services.lookup('9abd');
    assert.ok(byPrefix.ok && byPrefix.object.Spec.Name === 'api');
    const amb = tx.services.lookup('9ab');
    assert.ok(!amb.ok && amb.error instanceof AmbiguousError && amb.error.code === 'invalid_argument');
    assert.equal(amb.ok ? '' : amb.error.message, 'service 9ab is ambiguous (2 matches found)');
    const none = tx.services.lookup('nope');
    assert.ok(!none.ok && none.error instanceof NotFoundError && none.error.code === 'not_found');
    assert.equal(none.ok ? '' : none.error.message, 'service nope not found');
    // Names match case-sensitively in lookups (as Docker's name filter), ids by prefix only.
    assert.equal(tx.services.lookup('WEB').ok, false);
    assert.equal(tx.tasks.lookup('').ok, false);
  });
});
