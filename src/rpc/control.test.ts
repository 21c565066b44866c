/**
 * Control forwarding (control-service.ts, control-forwarding.ts) between two managers over
 * real sockets: results come back as the leader's ControlApi returns them; errors come
 * back as the very ControlApiError it raised (code, Docker's message, detail, HTTP status,
 * gRPC code, validation problems); no leader, a manager that stopped leading, and an
 * unreachable leader answer in Docker's words.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Control } from '../manager/controlapi/control-api.ts';
import { ControlApiError } from '../manager/controlapi/errors.ts';
import { addCluster, type Fixture, setup, spec } from '../manager/controlapi/testing.ts';
import { ForwardingControl, NO_LEADER } from './control-forwarding.ts';
import { Cleanup, channels, nodeTls, type StartedServer, startServer, testCa } from './testkit.ts';

const cleanup = new Cleanup();
after(() => cleanup.run());
const ca = await testCa();

async function leaderAndFollower(control: (f: Fixture) => () => Control | undefined = (f) => () => f.api) {
  const f = setup();
  await addCluster(f);
  const leader = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), control: control(f) });
  cleanup.add(leader.server, (s) => s.close());
  const ch = cleanup.add(channels(await nodeTls(ca, 'm2', 'manager')), (c) => c.close());
  return { f, leader, ch };
}

/** The error `p` rejects with. */
async function failure(p: Promise<unknown>): Promise<ControlApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ControlApiError, `not a ControlApiError: ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

function same(forwarded: ControlApiError, direct: ControlApiError): void {
  assert.equal(forwarded.message, direct.message);
  assert.equal(forwarded.code, direct.code);
  assert.equal(forwarded.detail, direct.detail);
  assert.equal(forwarded.httpStatus, direct.httpStatus);
  assert.equal(forwarded.rpc, direct.rpc);
  assert.deepEqual(forwarded.problems, direct.problems);
}

describe('ForwardingControl', () => {
  it("returns the leader's results", async () => {
    const { f, leader, ch } = await leaderAndFollower();
    const fwd = new ForwardingControl({ channels: ch, leader: () => leader.addr });
    const created = await fwd.createService(spec('web'));
    assert.equal(created.Spec.Name, 'web');
    assert.deepEqual(await fwd.getService('web'), await f.api.getService('web'));
    assert.deepEqual(await fwd.listServices(), await f.api.listServices());
    assert.equal((await fwd.listServices({ filters: { name: ['nope'] } })).length, 0);
    const svc = await fwd.getService('web');
    const updated = await fwd.updateService('web', svc.Version.Index, spec('web', { Labels: { a: 'b' } }));
    assert.deepEqual(updated.Spec.Labels, { a: 'b' });
    assert.equal(await fwd.removeService('web'), undefined);
    assert.deepEqual(await fwd.listServices(), []);
    assert.equal((await fwd.getCluster()).ID, (await f.api.getCluster()).ID);
  });

  it("brings errors back intact: a name conflict is a 409 with Docker's message", async () => {
    const { f, leader, ch } = await leaderAndFollower();
    const fwd = new ForwardingControl({ channels: ch, leader: () => leader.addr });
    await fwd.createService(spec('web'));
    const direct = await failure(f.api.createService(spec('web')));
    const forwarded = await failure(fwd.createService(spec('web')));
    same(forwarded, direct);
    assert.equal(forwarded.httpStatus, 409);
    assert.equal(forwarded.code, 'already_exists');
    assert.equal(forwarded.rpc, 'AlreadyExists');
    assert.match(forwarded.message, /^rpc error: code = AlreadyExists desc = /);
    // Not found (the daemon's own words) and validation problems, too.
    same(await failure(fwd.getService('nope')), await failure(f.api.getService('nope')));
    const bad = { Name: 'x', TaskTemplate: { ContainerSpec: {} } };
    const problems = await failure(fwd.createService(bad));
    same(problems, await failure(f.api.createService(bad)));
    assert.ok(problems.problems.length > 0);
    // A stale version is Docker's 500 "update out of sequence".
    const svc = await fwd.getService('web');
    await fwd.updateService('web', svc.Version.Index, spec('web', { Labels: { v: '1' } }));
    const stale = await failure(fwd.updateService('web', svc.Version.Index, spec('web')));
    assert.equal(stale.httpStatus, 500);
    assert.match(stale.message, /update out of sequence/);
  });

  it('without a leader: "The swarm does not have a leader..."', async () => {
    const { ch } = await leaderAndFollower();
    const fwd = new ForwardingControl({ channels: ch, leader: () => undefined });
    const e = await failure(fwd.listNodes());
    assert.equal(e.message, `rpc error: code = Unknown desc = ${NO_LEADER}`);
    assert.equal(e.httpStatus, 500);
  });

  it('asks again when the manager reached no longer leads; gives up after the attempts', async () => {
    let calls = 0;
    let leads = false;
    const { leader, ch } = await leaderAndFollower((f) => () => {
      calls++;
      return leads ? f.api : undefined;
    });
    const fwd = new ForwardingControl({
      channels: ch,
      leader: () => leader.addr,
      attempts: 3,
      retryDelayMs: 5,
    });
    const e = await failure(fwd.getCluster());
    assert.equal(e.message, `rpc error: code = Unknown desc = ${NO_LEADER}`);
    assert.equal(calls, 3);
    // The second try finds a leader.
    calls = 0;
    let asked = 0;
    const fwd2 = new ForwardingControl({
      channels: ch,
      leader: () => {
        if (++asked === 2) leads = true;
        return leader.addr;
      },
      retryDelayMs: 5,
    });
    assert.ok((await fwd2.getCluster()).ID);
    assert.equal(calls, 2);
  });

  it('an unreachable leader is a 503 in gRPC words', async () => {
    const { ch } = await leaderAndFollower();
    const gone: StartedServer = await startServer({ tls: await nodeTls(ca, 'm9', 'manager') });
    const addr = gone.addr;
    await gone.server.close();
    const fwd = new ForwardingControl({ channels: ch, leader: () => addr, timeoutMs: 3_000 });
    const e = await failure(fwd.listServices());
    assert.equal(e.httpStatus, 503);
    assert.match(e.message, /^rpc error: code = Unavailable desc = /);
  });
});
