import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RaftMembership } from './context.ts';
import { addNode, type Fixture, rejects, setup } from './testing.ts';

const M1 = 'mgr000000000000000000000a';
const M2 = 'mgr000000000000000000000b';
const W1 = 'wrk000000000000000000000a';
const W2 = 'wrk000000000000000000000b';

async function swarm(raft?: RaftMembership): Promise<Fixture> {
  const f = setup(raft ? { raft } : {});
  await addNode(f, M1, 'manager-1', { role: 'manager', engineLabels: { disk: 'ssd' } });
  await addNode(f, W1, 'worker-1', { labels: { zone: 'a' }, engineLabels: { disk: 'hdd' } });
  await addNode(f, W2, 'worker-2', { state: 'down', labels: { zone: 'b' } });
  return f;
}

describe('getNode and listNodes', () => {
  it('resolves an id, a hostname or a unique prefix', async () => {
    const { api } = await swarm();
    assert.equal((await api.getNode('worker-1')).ID, W1);
    assert.equal((await api.getNode('mgr')).ID, M1);
    await rejects(api.getNode('wrk'), 'invalid_argument', 'node wrk is ambiguous (2 matches found)');
    await rejects(api.getNode('worker-9'), 'not_found', 'node worker-9 not found', 404);
  });

  it('filters by role, hostname prefix, engine labels, node labels, id and membership', async () => {
    const { api } = await swarm();
    const ids = async (filters: Record<string, unknown>) =>
      (await api.listNodes({ filters })).map((n) => n.ID);
    assert.deepEqual(await ids({}), [M1, W1, W2]);
    assert.deepEqual(await ids({ role: { manager: true } }), [M1]);
    assert.deepEqual(await ids({ role: ['Worker'] }), [W1, W2]);
    assert.deepEqual(await ids({ name: ['worker'] }), [W1, W2]);
    assert.deepEqual(await ids({ label: ['disk=ssd'] }), [M1]);
    assert.deepEqual(await ids({ label: ['disk'] }), [M1, W1]);
    assert.deepEqual(await ids({ 'node.label': ['zone=b'] }), [W2]);
    assert.deepEqual(await ids({ id: ['wrk000000000000000000000b'] }), [W2]);
    assert.deepEqual(await ids({ membership: ['accepted'] }), [M1, W1, W2]);
    assert.deepEqual(await ids({ membership: ['pending'] }), []);
    await rejects(
      api.listNodes({ filters: { role: ['boss'] } }),
      'invalid_argument',
      "Invalid role filter: 'boss'",
      500,
    );
    await rejects(
      api.listNodes({ filters: { availability: ['active'] } }),
      'invalid_argument',
      "Invalid filter 'availability'",
    );
  });
});

describe('updateNode', () => {
  it('writes the spec at the version, folding role and availability names', async () => {
    const { api } = await swarm();
    const n = await api.getNode(W1);
    const updated = await api.updateNode('worker-1', n.Version.Index, {
      Role: 'worker',
      Availability: 'Drain',
      Labels: { zone: 'c' },
    });
    assert.deepEqual(updated.Spec, { Role: 'worker', Availability: 'drain', Labels: { zone: 'c' } });
    assert.equal(updated.Status.State, 'ready');
    await rejects(
      api.updateNode(W1, n.Version.Index, { Role: 'worker', Availability: 'active' }),
      'conflict',
      'rpc error: code = Unknown desc = update out of sequence',
    );
    await rejects(
      api.updateNode(W1, updated.Version.Index, { Role: 'boss', Availability: 'active' }),
      'invalid_argument',
      'invalid Role: "boss"',
    );
  });

  it('refuses to demote the last manager', async () => {
    const { api } = await swarm();
    const m = await api.getNode(M1);
    await rejects(
      api.updateNode(M1, m.Version.Index, { Role: 'worker', Availability: 'active' }),
      'failed_precondition',
      'rpc error: code = FailedPrecondition desc = attempting to demote the last manager of the swarm',
    );
  });

  it('with Raft membership wired, demotes only members, and only without losing quorum', async () => {
    let quorumSafe = false;
    const f = await swarm({ isMember: (id) => id === M1, canRemove: () => quorumSafe });
    await addNode(f, M2, 'manager-2', { role: 'manager' });
    const m2 = await f.api.getNode(M2);
    await rejects(
      f.api.updateNode(M2, m2.Version.Index, { Role: 'worker', Availability: 'active' }),
      'not_found',
      "rpc error: code = NotFound desc = can't find manager in raft memberlist",
    );
    const m1 = await f.api.getNode(M1);
    await rejects(
      f.api.updateNode(M1, m1.Version.Index, { Role: 'worker', Availability: 'active' }),
      'failed_precondition',
      "rpc error: code = FailedPrecondition desc = can't remove member from the raft: this would result in a loss of quorum",
    );
    quorumSafe = true;
    const demoted = await f.api.updateNode(M1, m1.Version.Index, { Role: 'worker', Availability: 'active' });
    assert.equal(demoted.Spec.Role, 'worker');
  });
});

describe('removeNode', () => {
  it('removes a down node; a ready one only with force', async () => {
    const { api } = await swarm();
    await api.removeNode('worker-2');
    await rejects(
      api.removeNode('worker-1'),
      'failed_precondition',
      `rpc error: code = FailedPrecondition desc = node ${W1} is not down and can't be removed`,
      400,
    );
    await api.removeNode('worker-1', { force: true });
    assert.deepEqual(
      (await api.listNodes()).map((n) => n.ID),
      [M1],
    );
  });

  it('refuses a manager that is still a Raft member, even with force', async () => {
    let member = true;
    const { api } = await swarm({ isMember: () => member, canRemove: () => true });
    const msg = `rpc error: code = FailedPrecondition desc = node ${M1} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`;
    await rejects(api.removeNode(M1, { force: true }), 'failed_precondition', msg);
    member = false;
    await api.removeNode(M1, { force: true });
    await rejects(api.getNode(M1), 'not_found', `node ${M1} not found`);
  });
});
