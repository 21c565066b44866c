/**
 * Three member processes on 127.0.0.1 (real gRPC transport with mutual TLS, fsynced WAL):
 * a write through the leader is readable through a follower; after the leader is killed
 * with SIGKILL a new leader accepts writes; the old member restarts from its data
 * directory, catches up and serves the latest value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NodeId } from '../core/types.ts';
import { memberApi } from './client.ts';
import { LocalCluster } from './cluster.ts';
import { writeUntilAccepted } from './writer.ts';

describe('LocalCluster (3 member processes)', { timeout: 60_000 }, () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await LocalCluster.create({ members: 3 });
    await cluster.start();
  });
  after(async () => {
    await cluster?.shutdown();
  });

  it('replicates, fails over on SIGKILL and lets the crashed member catch up', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.members.find((m) => m.id !== leader)?.id as NodeId;

    const put1 = await memberApi.put(cluster.url(leader), { key: 'k', value: 'v1', client: 't', seq: 1 });
    assert.equal(put1.status, 200);
    assert.deepEqual(put1.body, { ok: true, prev: null });
    const refused = await memberApi.put(cluster.url(follower), { key: 'k', value: 'x', client: 't', seq: 2 });
    assert.equal(refused.status, 421);
    assert.equal(refused.body.leader, leader);
    const read = await memberApi.get(cluster.url(follower), 'k');
    assert.deepEqual([read.status, read.body.value], [200, 'v1']);

    await cluster.kill(leader, 'SIGKILL');
    const v2 = { key: 'k', value: 'v2', client: 't', seq: 3 };
    const accepted = await writeUntilAccepted(cluster.members, v2, { timeoutMs: 15_000 });
    assert.notEqual(accepted.member, leader, 'a new leader accepted the write');
    const v3 = { key: 'k', value: 'v3', client: 't', seq: 4 };
    const put3 = await writeUntilAccepted(cluster.members, v3, { timeoutMs: 15_000 });
    assert.notEqual(put3.member, leader);

    await cluster.restart(leader);
    await cluster.waitCaughtUp(leader, 15_000);
    const back = await memberApi.status(cluster.url(leader));
    assert.ok(back.leader, 'the restarted member knows the leader');
    const latest = await memberApi.get(cluster.url(leader), 'k');
    assert.deepEqual([latest.status, latest.body.value], [200, 'v3']);
  });
});
