import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SWARM_MESSAGES } from '../errors.ts';
import { type Harness, startHarness } from '../testing/harness.ts';

describe('/swarm', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('inits: 200 with the node id as a JSON string; a second init is refused', async () => {
    const off = await h.request('GET', '/swarm');
    assert.deepEqual([off.status, off.json.message], [503, SWARM_MESSAGES.notInSwarmManager]);
    const a = await h.request('POST', '/swarm/init', {
      body: {
        ListenAddr: '0.0.0.0:2377',
        AdvertiseAddr: '10.0.0.1',
        ForceNewCluster: false,
        Spec: {
          Orchestration: {},
          Raft: {},
          Dispatcher: {},
          CAConfig: {},
          EncryptionConfig: { AutoLockManagers: false },
        },
        DefaultAddrPool: ['10.20.0.0/16'],
        SubnetSize: 26,
      },
    });
    assert.equal(a.status, 200);
    assert.equal(a.json, h.backend.nodeId);
    const again = await h.request('POST', '/swarm/init', { body: {} });
    assert.deepEqual([again.status, again.json.message], [503, SWARM_MESSAGES.swarmExists]);
    const s = (await h.request('GET', '/swarm')).json;
    assert.equal(s.Spec.Name, 'default');
    assert.deepEqual(s.DefaultAddrPool, ['10.20.0.0/16']);
    assert.equal(s.SubnetSize, 26);
    assert.match(s.JoinTokens.Worker, /^SWMTKN-1-/);
    assert.equal(s.Spec.Orchestration.TaskHistoryRetentionLimit, 5);
  });

  it('updates the spec at a version and rotates tokens', async () => {
    const s = (await h.request('GET', '/swarm')).json;
    const spec = { ...s.Spec, Orchestration: { TaskHistoryRetentionLimit: 10 } };
    const ok = await h.request(
      'POST',
      `/swarm/update?version=${s.Version.Index}&rotateWorkerToken=true&rotateManagerToken=false`,
      { body: spec },
    );
    assert.deepEqual([ok.status, ok.text], [200, '']);
    const t = (await h.request('GET', '/swarm')).json;
    assert.equal(t.Spec.Orchestration.TaskHistoryRetentionLimit, 10);
    assert.notEqual(t.JoinTokens.Worker, s.JoinTokens.Worker);
    assert.equal(t.JoinTokens.Manager, s.JoinTokens.Manager);
    const stale = await h.request('POST', `/swarm/update?version=${s.Version.Index}`, { body: spec });
    assert.equal(stale.status, 409);
    const badFlag = await h.request(
      'POST',
      `/swarm/update?version=${t.Version.Index}&rotateWorkerToken=maybe`,
      { body: spec },
    );
    assert.deepEqual(
      [badFlag.status, badFlag.json.message],
      [400, 'invalid value for rotateWorkerToken: maybe'],
    );
    const badVersion = await h.request('POST', '/swarm/update?version=-2', { body: spec });
    assert.equal(
      badVersion.json.message,
      `invalid swarm version '-2': strconv.ParseUint: parsing "-2": invalid syntax`,
    );
    const badName = await h.request('POST', `/swarm/update?version=${t.Version.Index}`, {
      body: { ...spec, Name: 'other' },
    });
    assert.deepEqual(
      [badName.status, badName.json.message],
      [400, 'invalid Name "other": swarm spec must be named "default"'],
    );
  });

  it('turns autolock on, gives the unlock key, unlocks', async () => {
    assert.deepEqual((await h.request('GET', '/swarm/unlockkey')).json, { UnlockKey: '' });
    const s = (await h.request('GET', '/swarm')).json;
    await h.request('POST', `/swarm/update?version=${s.Version.Index}`, {
      body: { ...s.Spec, EncryptionConfig: { AutoLockManagers: true } },
    });
    const key = (await h.request('GET', '/swarm/unlockkey')).json.UnlockKey;
    assert.match(key, /^SWMTKN-1-/);
    const notLocked = await h.request('POST', '/swarm/unlock', { body: { UnlockKey: key } });
    assert.deepEqual([notLocked.status, notLocked.json.message], [409, 'swarm is not locked']);
    h.backend.state = 'locked';
    assert.equal((await h.request('GET', '/swarm/unlockkey')).json.message, SWARM_MESSAGES.locked);
    const wrong = await h.request('POST', '/swarm/unlock', { body: { unlockkey: 'nope' } });
    assert.equal(wrong.json.message, 'swarm could not be unlocked: invalid key provided');
    const mistyped = await h.request('POST', '/swarm/unlock', { body: { UnlockKey: 7 } });
    assert.equal(
      mistyped.json.message,
      'invalid JSON: json: cannot unmarshal number into Go struct field UnlockRequest.UnlockKey of type string',
    );
    assert.equal((await h.request('POST', '/swarm/unlock', { body: { UnlockKey: key } })).status, 200);
    assert.equal(h.backend.state, 'active');
  });

  it('leaves (a manager only with force), joins, leaves again', async () => {
    const refused = await h.request('POST', '/swarm/leave');
    assert.equal(refused.status, 503);
    assert.match(
      refused.json.message,
      /^You are attempting to leave the swarm on a node that is participating as a manager/,
    );
    assert.equal((await h.request('POST', '/swarm/leave?force=true')).status, 200);
    const none = await h.request('POST', '/swarm/leave');
    assert.deepEqual([none.status, none.json.message], [503, SWARM_MESSAGES.noSwarm]);
    const noRemote = await h.request('POST', '/swarm/join', { body: { JoinToken: 'SWMTKN-1-x' } });
    assert.deepEqual(
      [noRemote.status, noRemote.json.message],
      [400, 'at least 1 RemoteAddr is required to join'],
    );
    const joined = await h.request('POST', '/swarm/join', {
      body: {
        ListenAddr: '0.0.0.0:2377',
        RemoteAddrs: ['10.0.0.5:2377'],
        JoinToken: 'SWMTKN-1-x',
        Availability: 'active',
      },
    });
    assert.deepEqual([joined.status, joined.text], [200, '']);
    const worker = await h.request('GET', '/swarm');
    assert.deepEqual([worker.status, worker.json.message], [503, SWARM_MESSAGES.worker]);
    assert.equal((await h.request('POST', '/swarm/leave')).status, 200);
  });

  it('ignores init fields an older client did not know', async () => {
    await h.request('POST', '/v1.38/swarm/init', {
      body: { DefaultAddrPool: ['10.30.0.0/16'], SubnetSize: 28, DataPathPort: 4790 },
    });
    const s = (await h.request('GET', '/swarm')).json;
    assert.deepEqual([s.DefaultAddrPool, s.SubnetSize, s.DataPathPort], [['10.0.0.0/8'], 24, 4789]);
    await h.request('POST', '/swarm/leave?force=1');
  });
});
