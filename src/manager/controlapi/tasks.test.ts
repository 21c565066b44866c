import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Task } from '../../api/task.ts';
import type { NewObject } from '../../store/index.ts';
import { addNode, addTask, type Fixture, rejects, setup, spec } from './testing.ts';

const T1 = 'task0000000000000000000a1';
const T2 = 'task0000000000000000000a2';
const T3 = 'task0000000000000000000b1';
const N1 = 'node00000000000000000000a';

async function fixture(): Promise<Fixture> {
  const f = setup();
  await addNode(f, N1, 'worker-1');
  const web = (await f.api.createService(spec('web', { Labels: { tier: 'front' } }))).ID;
  const api = (await f.api.createService(spec('api'))).ID;
  const t = (service: string, name: string, over: Partial<NewObject<Task>>): Partial<NewObject<Task>> => ({
    ServiceAnnotations: { Name: name, Labels: name === 'web' ? { tier: 'front' } : {} },
    ...over,
    ServiceID: service,
  });
  const running = { Timestamp: '', State: 'running' as const };
  await addTask(
    f,
    T1,
    web,
    t(web, 'web', { Slot: 1, NodeID: N1, Status: running, SpecVersion: { Index: 0 } }),
  );
  await addTask(
    f,
    T2,
    web,
    t(web, 'web', { Slot: 2, DesiredState: 'shutdown', Spec: { ContainerSpec: { Image: 'old' } } }),
  );
  await addTask(f, T3, api, t(api, 'api', { Slot: 1, NodeID: N1, Status: running }));
  return f;
}

describe('getTask', () => {
  it('resolves an id, the full task name, or a unique prefix', async () => {
    const { api } = await fixture();
    assert.equal((await api.getTask(T1)).ID, T1);
    assert.equal((await api.getTask(`web.1.${T1}`)).ID, T1);
    assert.equal((await api.getTask('task0000000000000000000b')).ID, T3);
    await rejects(api.getTask('task'), 'invalid_argument', 'task task is ambiguous (3 matches found)');
    await rejects(api.getTask(`web.2.${T1}`), 'not_found', `task web.2.${T1} not found`);
  });
});

describe('listTasks', () => {
  it('filters as docker service ps and docker node ps ask', async () => {
    const { api } = await fixture();
    const ids = async (filters: Record<string, unknown>) =>
      (await api.listTasks({ filters })).map((t) => t.ID);
    assert.deepEqual(await ids({}), [T1, T2, T3]);
    assert.deepEqual(await ids({ service: { web: true } }), [T1, T2]);
    assert.deepEqual(await ids({ service: ['web', 'api'], 'desired-state': ['running'] }), [T1, T3]);
    assert.deepEqual(await ids({ node: ['worker-1'] }), [T1, T3]);
    assert.deepEqual(await ids({ 'desired-state': ['Shutdown'] }), [T2]);
    assert.deepEqual(await ids({ name: ['web.1'] }), [T1]);
    assert.deepEqual(await ids({ name: ['web'] }), [T1, T2]);
    assert.deepEqual(await ids({ label: ['tier=front'] }), [T1, T2]);
    assert.deepEqual(await ids({ id: ['task0000000000000000000a'] }), [T1, T2]);
    await rejects(api.listTasks({ filters: { service: ['nope'] } }), 'not_found', 'service nope not found');
    await rejects(api.listTasks({ filters: { node: ['nope'] } }), 'not_found', 'node nope not found');
    await rejects(
      api.listTasks({ filters: { 'desired-state': ['sleeping'] } }),
      'invalid_argument',
      "Invalid desired-state filter: 'sleeping'",
    );
  });

  it('keeps only tasks made from the current spec with the hidden _up-to-date filter', async () => {
    const f = await fixture();
    const upToDate = async () =>
      (await f.api.listTasks({ filters: { service: ['web'], '_up-to-date': ['true'] } })).map((t) => t.ID);
    // T1 carries the current spec version; T2 neither the version nor an equal spec.
    assert.deepEqual(await upToDate(), [T1]);
    const web = await f.api.getService('web');
    const next = { ...web.Spec, TaskTemplate: { ...web.Spec.TaskTemplate, ForceUpdate: 1 } };
    await f.api.updateService('web', web.Version.Index, next);
    assert.deepEqual(await upToDate(), []);
  });
});
