// Writes that fail: a version conflict with another writer (reverted, decided again), a
// proposal whose fate is unknown (claims kept: nothing handed out twice), a stop while a
// batch is in flight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShoalError } from '../../base/errors.ts';
import {
  act,
  checkInvariants,
  getTask,
  HookedProposer,
  isAllocatorWrite,
  overlay,
  type Setup,
  service,
  setup,
  task,
} from './fixtures.ts';

async function fiveTasks(): Promise<{ s: Setup; proposer: HookedProposer; create: () => Promise<void> }> {
  const s = await setup({ ingress: false });
  const proposer = HookedProposer.install(s);
  // dnsrr, no VIP: .1 is the gateway, .2-.6 are the only five task addresses
  await act(s, (tx) => tx.networks.create(overlay('n', { subnet: '10.9.0.0/29' })));
  const svc = service('svc', { mode: 'dnsrr', networks: ['n'] });
  await act(s, (tx) => tx.services.create(svc));
  const create = () =>
    act(s, (tx) => {
      for (let i = 1; i <= 5; i++) tx.tasks.create(task(`t${i}`, svc, i));
    });
  return { s, proposer, create };
}

const allPending = (s: Setup) => [1, 2, 3, 4, 5].every((i) => getTask(s, `t${i}`).Status.State === 'pending');

describe('failed writes', () => {
  it('a conflict with another writer is reverted, decided again, and leaks nothing', async () => {
    const { s, proposer, create } = await fiveTasks();
    proposer.hook = (payload, inner) => {
      if (!isAllocatorWrite(payload, 'task')) return inner.propose(payload);
      proposer.hook = undefined;
      // the orchestrator changes t1 just before the allocator's entry applies
      void s.store.update((tx) => {
        const t = tx.tasks.get('t1');
        if (t) tx.tasks.update(t, { DesiredState: 'shutdown' });
      });
      return inner.propose(payload);
    };
    await create();
    assert.equal(s.allocator.stats.failed, 1);
    assert.ok(allPending(s), 'all five addresses usable: the reverted one was given back');
    assert.equal(getTask(s, 't1').DesiredState, 'shutdown', "the other writer's change stands");
    checkInvariants(s);
  });

  it('a proposal that timed out after applying keeps its claims and is not redone differently', async () => {
    const { s, proposer, create } = await fiveTasks();
    proposer.hook = async (payload, inner) => {
      if (!isAllocatorWrite(payload, 'task')) return inner.propose(payload);
      proposer.hook = undefined;
      await inner.propose(payload);
      throw new ShoalError('timeout', 'proposal timed out; it may or may not have taken effect');
    };
    await create();
    assert.ok(s.logs.some((l) => l.level === 'error' && l.msg.includes('may or may not have applied')));
    assert.equal(s.clock.pendingTimers, 1, 'decided again later, not in a tight loop');
    s.clock.advance(1_000);
    await s.allocator.idle();
    assert.ok(allPending(s));
    // the pool is full: a sixth task must not get an address the applied write holds
    await act(s, (tx) => tx.tasks.create(task('t6', service('svc', { mode: 'dnsrr', networks: ['n'] }), 6)));
    assert.equal(getTask(s, 't6').Status.State, 'new');
    checkInvariants(s);
  });

  it('a proposal lost before applying is retried with the same addresses', async () => {
    const { s, proposer, create } = await fiveTasks();
    proposer.hook = async (payload, inner) => {
      if (!isAllocatorWrite(payload, 'task')) return inner.propose(payload);
      proposer.hook = undefined;
      throw new ShoalError('not_leader', 'not the leader');
    };
    await create();
    assert.equal(getTask(s, 't1').Status.State, 'new');
    s.clock.advance(999);
    assert.equal(s.clock.pendingTimers, 1);
    s.clock.advance(1);
    await s.allocator.idle();
    assert.ok(allPending(s), 'the kept claims were reused, not leaked');
    assert.deepEqual(getTask(s, 't1').NetworksAttachments?.[0]?.Addresses, ['10.9.0.2/29']);
    checkInvariants(s);
  });

  it('stop() waits for the batch in flight; the next allocator finds it applied', async () => {
    const { s, proposer, create } = await fiveTasks();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let held = false;
    proposer.hook = async (payload, inner) => {
      if (!isAllocatorWrite(payload, 'task')) return inner.propose(payload);
      proposer.hook = undefined;
      held = true;
      await gate;
      return inner.propose(payload);
    };
    const creating = create();
    while (!held) await new Promise((r) => setImmediate(r));
    let stopped = false;
    const stopping = s.allocator.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, 'stop waits for the batch');
    release();
    await stopping;
    await creating;
    assert.ok(allPending(s));
    await s.restart();
    checkInvariants(s);
    assert.deepEqual(s.allocator.problems(), []);
  });
});

describe('lifecycle', () => {
  it('starts once; once stopped it writes nothing and its retry timer is gone', async () => {
    const { s, proposer, create } = await fiveTasks();
    assert.throws(() => s.allocator.start(), /allocator: already started/);
    proposer.hook = async (payload, inner) => {
      if (!isAllocatorWrite(payload, 'task')) return inner.propose(payload);
      proposer.hook = undefined;
      throw new ShoalError('timeout', 'proposal timed out');
    };
    await create();
    assert.equal(s.clock.pendingTimers, 1);
    await s.allocator.stop();
    assert.equal(s.clock.pendingTimers, 0, 'the owner cancelled the retry');
    const index = s.store.index;
    await s.store.update((tx) => tx.tasks.delete('t1'));
    await s.allocator.idle();
    assert.equal(s.store.index, index + 1, 'only our own write');
    assert.equal(getTask(s, 't2').Status.State, 'new');
  });
});
