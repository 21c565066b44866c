// Property: any sequence of network, service and task changes (in single transactions or
// several at once, with races the controlapi would have refused: clashing ports and
// subnets, networks removed under services; some landing while the allocator's own batch
// is in flight, so its writes conflict) and leader changes at any point leaves the
// store with no port, VIP or address held twice, pending tasks addressed on their networks,
// and, once the allocator is idle, every object allocated or blocked with a reason: every
// NEW task says why in Status.Err.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PortConfig } from '../../api/service.ts';
import type { TaskState } from '../../api/task-state.ts';
import { SeededRng } from '../../base/rng.ts';
import type { WriteTx } from '../../store/tables/index.ts';
import {
  checkInvariants,
  HookedProposer,
  hostPort,
  ingressPort,
  isAllocatorWrite,
  overlay,
  type Setup,
  service,
  setup,
  task,
} from './fixtures.ts';
import { ensureIngressNetwork } from './ingress.ts';

const PORTS: PortConfig[] = [
  ingressPort(80),
  ingressPort(81, 8080),
  ingressPort(53, 8080, 'udp'),
  hostPort(90, 9000),
];
const SUBNETS = [undefined, undefined, '10.0.1.0/24', '10.200.0.0/29', '10.200.0.0/28'];
const NEXT: Partial<Record<TaskState, TaskState>> = {
  pending: 'assigned',
  assigned: 'running',
  running: 'complete',
};

type Op =
  | { k: 'net'; id: number; subnet: number }
  | { k: 'rmnet'; id: number }
  | { k: 'svc'; id: number; ports: number[]; nets: number[]; dnsrr: boolean }
  | { k: 'rmsvc'; id: number }
  | { k: 'task'; id: number; svc: number }
  | { k: 'advance'; id: number }
  | { k: 'fail'; id: number }
  | { k: 'rmtask'; id: number };
/**
 * `race`: the next step starts without waiting for the allocator. `interfere`: the ops are
 * written just before the allocator's next entry applies, after it decided (its writes
 * then fail with "update out of sequence" and are decided again).
 */
type Step =
  | { kind: 'ops'; ops: Op[]; race: boolean }
  | { kind: 'interfere'; ops: Op[] }
  | { kind: 'restart' }
  | { kind: 'ingress'; remove: boolean };

const n = (max: number) => fc.nat({ max });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('net' as const), id: n(2), subnet: n(SUBNETS.length - 1) }),
  fc.record({ k: fc.constant('rmnet' as const), id: n(2) }),
  fc.record({
    k: fc.constant('svc' as const),
    id: n(3),
    ports: fc.subarray([0, 1, 2, 3]),
    nets: fc.subarray([0, 1, 2]),
    dnsrr: fc.boolean(),
  }),
  fc.record({ k: fc.constant('rmsvc' as const), id: n(3) }),
  fc.record({ k: fc.constant('task' as const), id: n(11), svc: n(3) }),
  fc.record({ k: fc.constant('task' as const), id: n(11), svc: n(3) }),
  fc.record({ k: fc.constant('advance' as const), id: n(11) }),
  fc.record({ k: fc.constant('fail' as const), id: n(11) }),
  fc.record({ k: fc.constant('rmtask' as const), id: n(11) }),
);
/** Ops that change what the allocator is writing (its tasks, services, networks). */
const interfering: fc.Arbitrary<Op> = fc.oneof(
  opArb.filter((op) => op.k === 'svc'),
  fc.record({ k: fc.constant('rmsvc' as const), id: n(3) }),
  fc.record({ k: fc.constant('rmtask' as const), id: n(11) }),
  fc.record({ k: fc.constant('rmnet' as const), id: n(2) }),
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('ops' as const),
      race: fc.boolean(),
      ops: fc.array(opArb, { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('interfere' as const),
      ops: fc.array(interfering, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ingress' as const), remove: fc.boolean() }) },
);

/** Networks get a new id each time (ids are random and never reused); services name them. */
let incarnation = 0;
function runOp(tx: WriteTx, op: Op): void {
  switch (op.k) {
    case 'net':
      if (!tx.networks.byName(`n${op.id}`))
        tx.networks.create(
          overlay(`n${op.id}.${++incarnation}`, { name: `n${op.id}`, subnet: SUBNETS[op.subnet] }),
        );
      return;
    case 'rmnet': {
      const nw = tx.networks.byName(`n${op.id}`);
      if (nw) tx.networks.delete(nw.ID);
      return;
    }
    case 'svc': {
      const ports = op.ports.map((i) => PORTS[i] as PortConfig);
      const dnsrr = op.dnsrr && ports.every((p) => p.PublishMode === 'host');
      const spec = service(`s${op.id}`, {
        ports,
        networks: op.nets.map((i) => `n${i}`),
        mode: dnsrr ? 'dnsrr' : 'vip',
      });
      const cur = tx.services.get(spec.ID);
      if (cur) tx.services.update(cur, { Spec: spec.Spec });
      else tx.services.create(spec);
      return;
    }
    case 'rmsvc':
      if (tx.services.has(`s${op.id}`)) tx.services.delete(`s${op.id}`);
      return;
    case 'task': {
      const svc = tx.services.get(`s${op.svc}`);
      if (!tx.tasks.has(`t${op.id}`))
        tx.tasks.create(task(`t${op.id}`, svc ?? service(`s${op.svc}`), op.id + 1));
      return;
    }
    case 'advance':
    case 'fail': {
      const t = tx.tasks.get(`t${op.id}`);
      const next = op.k === 'fail' ? 'failed' : t && NEXT[t.Status.State];
      if (
        t &&
        next &&
        t.Status.State !== 'new' &&
        t.Status.State !== 'failed' &&
        t.Status.State !== 'complete'
      )
        tx.tasks.update(t, { Status: { ...t.Status, State: next } });
      return;
    }
    case 'rmtask':
      if (tx.tasks.has(`t${op.id}`)) tx.tasks.delete(`t${op.id}`);
  }
}

/** Once idle: nothing is left undecided, and every NEW task says why it waits. */
function checkSettled(s: Setup): void {
  const problems = new Set(s.allocator.problems().map((p) => `${p.kind}/${p.id}`));
  s.store.view((tx) => {
    for (const t of tx.tasks.byState('new')) {
      assert.ok(t.Status.Err, `task ${t.ID} is NEW without a reason`);
      assert.ok(problems.has(`task/${t.ID}`), `task ${t.ID} is NEW but not a problem`);
    }
    for (const nw of tx.networks.all())
      assert.ok(
        nw.IPAMOptions || problems.has(`network/${nw.ID}`),
        `network ${nw.ID} neither allocated nor blocked`,
      );
  });
}

test('allocations stay unique and every task is allocated or says why, whatever happens', async () => {
  let seed = 0;
  let failedAllocatorWrites = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 25 }), async (steps) => {
      const s = await setup();
      const proposer = HookedProposer.install(s);
      // (our own writes may fail too, racing the allocator's: that is fine)
      const write = (ops: Op[]) =>
        s.store.batch((b) => {
          for (const op of ops) b.update((tx) => runOp(tx, op));
        });
      for (const step of steps) {
        if (step.kind === 'restart') await s.restart();
        else if (step.kind === 'interfere') {
          proposer.hook = (payload, inner) => {
            if (!isAllocatorWrite(payload)) return inner.propose(payload);
            proposer.hook = undefined;
            void write(step.ops);
            return inner.propose(payload);
          };
          continue;
        } else if (step.kind === 'ingress') {
          const ing = s.store.view((tx) => tx.networks.all().find((x) => x.Spec.Ingress));
          if (step.remove && ing) await s.store.update((tx) => tx.networks.delete(ing.ID));
          else if (!step.remove) await ensureIngressNetwork(s.store, { rng: new SeededRng(1000 + ++seed) });
        } else await write(step.ops);
        if (step.kind === 'ops' && step.race) {
          checkInvariants(s);
          continue;
        }
        await s.allocator.idle();
        checkInvariants(s);
        checkSettled(s);
      }
      proposer.hook = undefined;
      await s.allocator.idle();
      checkSettled(s);
      failedAllocatorWrites += s.allocator.stats.failed;
      await s.restart();
      checkInvariants(s);
      checkSettled(s);
      await s.allocator.stop();
    }),
    { numRuns: Number(process.env.ALLOC_RUNS ?? 200) },
  );
  // the races happened: the allocator's writes did fail and were redone
  assert.ok(failedAllocatorWrites > 0, 'no allocator write ever failed: the races are not exercised');
});
