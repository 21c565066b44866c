// Property: random rounds of concurrent transactions and batches (racing updates, name
// clashes, backward task states, deletes under updates, chunked batches with references
// between chunks) give the same outcomes, the same events and the same final store
// through the local proposer and through a 3-member Raft cluster. Raft indexes differ
// (the log also holds configuration and leader entries), so versions are compared as
// "the n-th store entry". Updates made as update(stored, changes) travel as patches: the
// same rounds with every such update made on a copy (the whole object on the wire) must
// give the same outcomes, events and store too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { TaskState } from '../api/task-state.ts';
import type { ShoalError } from '../base/errors.ts';
import { MemoryStore } from './memory-store.ts';
import { LocalProposer } from './proposer.ts';
import { briefEvent, StoreCluster } from './raft-testkit.ts';
import type { WriteTx } from './tables/index.ts';
import { ManualClock, newService, newTask } from './testing.ts';

type Op =
  | { k: 'svc'; id: number; name: number }
  | { k: 'rename'; id: number; name: number }
  | { k: 'rmsvc'; id: number }
  | { k: 'task'; id: number; svc: number }
  | { k: 'state'; id: number; state: TaskState }
  | { k: 'assign'; id: number; node: number; state: TaskState }
  | { k: 'label'; id: number; value: number }
  | { k: 'desire'; id: number; state: TaskState }
  | { k: 'rmtask'; id: number }
  | { k: 'swap'; a: number; b: number };
type Step = { kind: 'update' | 'batch'; ops: Op[] };

const STATES: TaskState[] = ['new', 'pending', 'assigned', 'running', 'failed'];
const n = (max: number) => fc.nat({ max });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('svc' as const), id: n(3), name: n(4) }),
  fc.record({ k: fc.constant('rename' as const), id: n(3), name: n(4) }),
  fc.record({ k: fc.constant('rmsvc' as const), id: n(3) }),
  fc.record({ k: fc.constant('task' as const), id: n(5), svc: n(3) }),
  fc.record({ k: fc.constant('task' as const), id: n(5), svc: n(3) }),
  fc.record({ k: fc.constant('state' as const), id: n(5), state: fc.constantFrom(...STATES) }),
  fc.record({ k: fc.constant('state' as const), id: n(5), state: fc.constantFrom(...STATES) }),
  fc.record({ k: fc.constant('assign' as const), id: n(5), node: n(2), state: fc.constantFrom(...STATES) }),
  fc.record({ k: fc.constant('label' as const), id: n(3), value: n(2) }),
  fc.record({ k: fc.constant('desire' as const), id: n(5), state: fc.constantFrom(...STATES) }),
  fc.record({ k: fc.constant('rmtask' as const), id: n(5) }),
  fc.record({ k: fc.constant('swap' as const), a: n(3), b: n(3) }),
);
const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('update' as const, 'batch' as const),
  ops: fc.array(opArb, { minLength: 1, maxLength: 6 }),
});
const roundsArb = fc.array(fc.array(stepArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 });

/**
 * Runs one op in a transaction. Ops on missing objects are skipped (so most transactions
 * propose something and the races happen at apply time); a name clash or a backward task
 * state still fails at write time.
 */
function runOp(tx: WriteTx, op: Op, copies = false): void {
  /** update(o, changes): a patch on the wire; on a copy (`copies`), the whole object. */
  const change = <T extends object>(write: (o: T, c?: Partial<T>) => void, o: T, c: Partial<T>) =>
    copies ? write(Object.assign({}, o, c)) : write(o, c);
  const rename = (id: string, name: string) => {
    const s = tx.services.get(id);
    if (s) tx.services.update({ ...s, Spec: { ...s.Spec, Name: name } });
  };
  switch (op.k) {
    case 'svc':
      if (!tx.services.has(`s${op.id}`)) tx.services.create(newService(`s${op.id}`, `name${op.name}`));
      return;
    case 'rename':
      rename(`s${op.id}`, `name${op.name}`);
      return;
    case 'rmsvc':
      if (tx.services.has(`s${op.id}`)) tx.services.delete(`s${op.id}`);
      return;
    case 'task':
      if (!tx.tasks.has(`t${op.id}`))
        tx.tasks.create(newTask(`t${op.id}`, `s${op.svc}`, { Slot: op.id + 1 }));
      return;
    case 'state': {
      const t = tx.tasks.get(`t${op.id}`);
      if (t) tx.tasks.update({ ...t, Status: { ...t.Status, State: op.state } });
      return;
    }
    case 'assign': {
      const t = tx.tasks.get(`t${op.id}`);
      if (t)
        change((o, c) => tx.tasks.update(o, c), t, {
          NodeID: `n${op.node}`,
          Status: { Timestamp: `${op.node}`, State: op.state, Message: `to n${op.node}` },
        });
      return;
    }
    case 'desire': {
      const t = tx.tasks.get(`t${op.id}`);
      if (t) change((o, c) => tx.tasks.update(o, c), t, { DesiredState: op.state });
      return;
    }
    case 'label': {
      const sv = tx.services.get(`s${op.id}`);
      if (sv)
        change((o, c) => tx.services.update(o, c), sv, {
          Spec: { ...sv.Spec, Labels: { ...sv.Spec.Labels, [`k${op.value}`]: `v${op.value}` } },
        });
      return;
    }
    case 'rmtask':
      if (tx.tasks.has(`t${op.id}`)) tx.tasks.delete(`t${op.id}`);
      return;
    case 'swap': {
      const a = tx.services.get(`s${op.a}`);
      const b = tx.services.get(`s${op.b}`);
      if (!a || !b || a.ID === b.ID) return;
      rename(a.ID, 'swap-tmp');
      rename(b.ID, a.Spec.Name);
      rename(a.ID, b.Spec.Name);
    }
  }
}

/** Four services and six tasks to start from. */
const SETUP: Step[] = [
  {
    kind: 'batch',
    ops: [
      ...[0, 1, 2, 3].map((i): Op => ({ k: 'svc', id: i, name: i })),
      ...[0, 1, 2, 3, 4, 5].map((i): Op => ({ k: 'task', id: i, svc: i % 4 })),
    ],
  },
];

/** Issues one step; resolves with a description of its outcome. */
function issue(store: MemoryStore, step: Step, copies = false): Promise<string> {
  if (step.kind === 'update') {
    return store
      .update((tx) => {
        for (const op of step.ops) runOp(tx, op, copies);
      })
      .then(
        () => 'ok',
        (e: ShoalError) => e.code,
      );
  }
  return store
    .batch((b) => {
      for (const op of step.ops) b.update((tx) => runOp(tx, op, copies));
    })
    .then((r) => `applied ${r.applied} failed ${r.failed.map((f) => `${f.tx}:${f.error.code}`).join(',')}`);
}

/** The snapshot with every Raft index replaced by the ordinal of its store entry. */
function normalized(store: MemoryStore, applied: number[]): unknown {
  const ord = new Map(applied.map((idx, i) => [idx, i + 1]));
  const snap = JSON.parse(new TextDecoder().decode(store.stateMachine.snapshot()));
  return JSON.parse(JSON.stringify(snap), (k, v) =>
    k === 'Index' || k === 'index' ? (ord.get(v) ?? `raw ${v}`) : v,
  );
}

const opts = { maxEntryActions: 3, freeze: true };
const T0 = Date.UTC(2025, 0, 1);

async function viaLocal(rounds: Step[][], copies = false) {
  const store = new MemoryStore({ clock: new ManualClock(T0), ...opts });
  const applied: number[] = [];
  const events: string[] = [];
  store.setProposer(
    new LocalProposer({
      apply: (d, i) => {
        applied.push(i);
        return store.stateMachine.apply(d, i);
      },
      get index() {
        return store.index;
      },
    }),
  );
  store.subscribe((es) => events.push(...es.map(briefEvent)));
  const outcomes: string[][] = [];
  for (const round of rounds) outcomes.push(await Promise.all(round.map((s) => issue(store, s, copies))));
  return { outcomes, state: normalized(store, applied), events: renumber(events, applied) };
}

async function viaRaft(rounds: Step[][]) {
  const c = new StoreCluster({ clock: new ManualClock(T0), ...opts });
  await c.boot(['n1', 'n2', 'n3']);
  const leader = c.leader();
  const outcomes: string[][] = [];
  for (const round of rounds)
    outcomes.push(await c.until(Promise.all(round.map((s) => issue(leader.store, s)))));
  await c.run(200);
  for (const f of c.followers()) {
    assert.deepEqual(normalized(f.store, f.applied), normalized(leader.store, leader.applied));
  }
  const result = {
    outcomes,
    state: normalized(leader.store, leader.applied),
    events: renumber(leader.events, leader.applied),
  };
  await c.stopAll();
  return result;
}

function renumber(events: string[], applied: number[]): string[] {
  const ord = new Map(applied.map((idx, i) => [idx, i + 1]));
  return events.map((e) => e.replace(/@(\d+)$/, (_, d) => `#${ord.get(Number(d))}`));
}

test('random transactions: the local proposer and Raft give identical stores', async () => {
  await fc.assert(
    fc.asyncProperty(roundsArb, async (random) => {
      const rounds = [SETUP, ...random];
      const local = await viaLocal(rounds);
      const raft = await viaRaft(rounds);
      assert.deepEqual(raft.outcomes, local.outcomes);
      assert.deepEqual(raft.events, local.events);
      assert.deepEqual(raft.state, local.state);
      const whole = await viaLocal(rounds, true);
      assert.deepEqual(whole.outcomes, local.outcomes, 'patches and whole objects: same outcomes');
      assert.deepEqual(whole.events, local.events, 'patches and whole objects: same events');
      assert.deepEqual(whole.state, local.state, 'patches and whole objects: same store');
    }),
    { numRuns: 40, seed: 20251125 },
  );
});
