import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SWARM_MESSAGES } from '../errors.ts';
import { type Harness, startHarness } from '../testing/harness.ts';

describe('/nodes', () => {
  let h: Harness;
  let self = '';
  before(async () => {
    h = await startHarness({ init: true });
    self = h.backend.nodeId;
    await h.backend.addNode('w00000000000000000000000a', 'worker-a');
    await h.backend.addNode('w00000000000000000000000b', 'worker-b');
  });
  after(() => h.close());

  it('lists with filters and inspects by id, prefix or hostname', async () => {
    const all = (await h.request('GET', '/nodes')).json;
    assert.equal(all.length, 3);
    const me = all.find((n: { ID: string }) => n.ID === self);
    assert.deepEqual(me.Spec, { Role: 'manager', Availability: 'active', Labels: {} });
    assert.equal(me.ManagerStatus.Leader, true);
    assert.equal(me.Description.Engine.EngineVersion, '0.1.0-test');
    const workers = (
      await h.request('GET', `/nodes?filters=${encodeURIComponent('{"role":{"worker":true}}')}`)
    ).json;
    assert.deepEqual(workers.map((n: { ID: string }) => n.ID).sort(), [
      'w00000000000000000000000a',
      'w00000000000000000000000b',
    ]);
    const old = (
      await h.request('GET', `/v1.24/nodes?filters=${encodeURIComponent('{"name":["worker-a"]}')}`)
    ).json;
    assert.equal(old.length, 1);
    const badRole = await h.request('GET', `/nodes?filters=${encodeURIComponent('{"role":["boss"]}')}`);
    assert.deepEqual([badRole.status, badRole.json.message], [400, "Invalid role filter: 'boss'"]);
    assert.equal(
      (await h.request('GET', '/nodes/w00000000000000000000000a')).json.Description.Hostname,
      'worker-a',
    );
    assert.equal((await h.request('GET', '/nodes/worker-b')).json.ID, 'w00000000000000000000000b');
    const ambiguous = await h.request('GET', '/nodes/w0');
    assert.deepEqual(
      [ambiguous.status, ambiguous.json.message],
      [400, 'node w0 is ambiguous (2 matches found)'],
    );
    const missing = await h.request('GET', '/nodes/nope');
    assert.deepEqual([missing.status, missing.json.message], [404, 'node nope not found']);
  });

  it('updates the spec at a version', async () => {
    const n = (await h.request('GET', '/nodes/worker-a')).json;
    const ok = await h.request('POST', `/nodes/${n.ID}/update?version=${n.Version.Index}`, {
      body: { Role: 'worker', Availability: 'drain', Labels: { zone: 'a' } },
    });
    assert.deepEqual([ok.status, ok.text], [200, '']);
    const after = (await h.request('GET', '/nodes/worker-a')).json;
    assert.deepEqual(after.Spec, { Role: 'worker', Availability: 'drain', Labels: { zone: 'a' } });
    const stale = await h.request('POST', `/nodes/${n.ID}/update?version=${n.Version.Index}`, {
      body: n.Spec,
    });
    assert.equal(stale.status, 409);
    const badRole = await h.request('POST', `/nodes/${n.ID}/update?version=${after.Version.Index}`, {
      body: { Role: 'boss', Availability: 'active' },
    });
    assert.deepEqual([badRole.status, badRole.json.message], [400, 'invalid Role: "boss"']);
    const noVersion = await h.request('POST', `/nodes/${n.ID}/update?version=x`, { body: n.Spec });
    assert.equal(
      noVersion.json.message,
      `invalid node version 'x': strconv.ParseUint: parsing "x": invalid syntax`,
    );
    const me = (await h.request('GET', `/nodes/${self}`)).json;
    const demote = await h.request('POST', `/nodes/${self}/update?version=${me.Version.Index}`, {
      body: { ...me.Spec, Role: 'worker' },
    });
    assert.deepEqual(
      [demote.status, demote.json.message],
      [400, 'rpc error: code = FailedPrecondition desc = attempting to demote the last manager of the swarm'],
    );
  });

  it('removes a down node, a ready one only with force', async () => {
    const refused = await h.request('DELETE', '/nodes/worker-b');
    assert.deepEqual(
      [refused.status, refused.json.message],
      [
        400,
        "rpc error: code = FailedPrecondition desc = node w00000000000000000000000b is not down and can't be removed",
      ],
    );
    const forced = await h.request('DELETE', '/nodes/worker-b?force=1');
    assert.deepEqual([forced.status, forced.text], [200, '']);
    assert.equal((await h.request('GET', '/nodes/worker-b')).status, 404);
  });

  it('is refused off a manager', async () => {
    h.backend.state = 'inactive';
    const a = await h.request('GET', '/nodes/worker-a');
    assert.deepEqual([a.status, a.json.message], [503, SWARM_MESSAGES.notInSwarmManager]);
    const bodyFirst = await h.request('POST', '/nodes/worker-a/update', { body: {} });
    assert.equal(bodyFirst.status, 400, 'the version is checked before the manager, as moby');
    h.backend.state = 'active';
  });
});
