import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addCluster, rejects, setup } from './testing.ts';

describe('cluster spec', () => {
  it('reads the default cluster and replaces its spec at the version', async () => {
    const f = setup();
    await addCluster(f);
    const c = await f.api.getCluster();
    const u = await f.api.updateCluster(c.Version.Index, {
      Orchestration: { TaskHistoryRetentionLimit: 10 },
      Labels: { owner: 'ops' },
    });
    assert.deepEqual(u.Spec, {
      Name: 'default',
      Orchestration: { TaskHistoryRetentionLimit: 10 },
      Labels: { owner: 'ops' },
    });
    assert.equal(u.ID, c.ID);
    await rejects(
      f.api.updateCluster(c.Version.Index, { Name: 'default' }),
      'conflict',
      'rpc error: code = Unknown desc = update out of sequence',
    );
  });

  it('refuses a spec Docker refuses', async () => {
    const f = setup();
    await addCluster(f);
    const c = await f.api.getCluster();
    await rejects(
      f.api.updateCluster(c.Version.Index, { Name: 'prod' }),
      'invalid_argument',
      'invalid Name "prod": swarm spec must be named "default"',
    );
    await rejects(
      f.api.updateCluster(c.Version.Index, { CAConfig: { NodeCertExpiry: 60e9 } }),
      'invalid_argument',
      'rpc error: code = InvalidArgument desc = minimum certificate expiry time is: 1h0m0s',
    );
    await rejects(f.api.updateCluster(-1, {}), 'invalid_argument', 'invalid version: -1');
    // JSON null decodes to Go's zero spec: accepted, named default.
    assert.deepEqual((await f.api.updateCluster(c.Version.Index, null)).Spec, {
      Name: 'default',
      Labels: {},
    });
  });

  it('answers 503 where there is no swarm', async () => {
    const { api } = setup();
    await rejects(api.getCluster(), 'unavailable', 'This node is not part of a swarm', 503);
  });
});
