/**
 * Generates KV histories that are linearizable by construction, for the checker's property
 * tests and benchmarks (and for the simulator to self-test its checker).
 *
 * Each spec is one operation; the spec's position in the array is the order in which the
 * operations take effect (linearization point 10 * (index + 1)). Every call lies at or
 * before its point and every return at or after it, with random slack, while each client
 * still waits for one operation before issuing the next. Outputs come from running the
 * model in point order. A pending operation loses its return (and its output); a pending
 * and `lost` one never took effect at all.
 */
import type { Rng } from '../base/rng.ts';
import type { KvInput, KvOutput } from './linearizability-kv.ts';
import type { Operation } from './linearizability-types.ts';

export type KvOp = Operation<KvInput, KvOutput>;

export interface OpSpec {
  readonly client: number;
  readonly kind: 'put' | 'get' | 'cas';
  readonly key: number;
  /** A cas expects the current value (and swaps) instead of a stale one (and fails). */
  readonly casHit: boolean;
  /** Time between the call and the linearization point (clamped by the client's previous op). */
  readonly callSlack: number;
  /** Time between the linearization point and the return (clamped by the client's next op). */
  readonly retSlack: number;
  /** The client never saw a response. */
  readonly pending: boolean;
  /** Pending only: the operation never took effect. */
  readonly lost: boolean;
}

const SPACING = 10;

/** The history described by `specs`; operation ids are spec indexes. */
export function buildKvHistory(specs: readonly OpSpec[]): KvOp[] {
  const point = (i: number) => SPACING * (i + 1);
  const nextOfClient = new Array<number>(specs.length).fill(-1);
  const lastSeen = new Map<number, number>();
  for (let i = specs.length - 1; i >= 0; i--) {
    const c = (specs[i] as OpSpec).client;
    nextOfClient[i] = lastSeen.get(c) ?? -1;
    lastSeen.set(c, i);
  }
  const clientFree = new Map<number, number>(); // earliest time the client may call again
  const state = new Map<string, string>();
  const previous = new Map<string, string>(); // the value each key held before its current one
  const set = (key: string, value: string) => {
    const old = state.get(key);
    if (old !== undefined) previous.set(key, old);
    state.set(key, value);
  };
  const ops: KvOp[] = [];
  specs.forEach((s, i) => {
    const p = point(i);
    const key = `k${s.key}`;
    const call = Math.max(clientFree.get(s.client) ?? 0, p - s.callSlack);
    const next = nextOfClient[i] as number;
    const ret = Math.min(p + s.retSlack, next >= 0 ? point(next) - 1 : Number.POSITIVE_INFINITY);
    clientFree.set(s.client, (s.pending ? call : ret) + 1);

    const current = state.get(key) ?? null;
    let input: KvInput;
    let output: KvOutput;
    const applied = !(s.pending && s.lost);
    if (s.kind === 'put') {
      input = { kind: 'put', key, value: `v${i}` };
      output = {};
      if (applied) set(key, input.value);
    } else if (s.kind === 'get') {
      input = { kind: 'get', key };
      output = { value: current };
    } else {
      const expect = s.casHit ? current : (previous.get(key) ?? `unheld${i}`);
      input = { kind: 'cas', key, expect, value: `v${i}` };
      output = { ok: expect === current };
      if (applied && expect === current) set(key, input.value);
    }
    ops.push(
      s.pending
        ? { id: i, client: `c${s.client}`, input, call, ret: undefined }
        : { id: i, client: `c${s.client}`, input, output, call, ret },
    );
  });
  return ops;
}

export interface RandomSpecOptions {
  readonly ops: number;
  readonly clients: number;
  readonly keys: number;
  /** Maximum call and return slack; with SPACING 10, about maxSlack / 5 ops overlap. */
  readonly maxSlack: number;
  readonly pendingRate: number;
  readonly getRate: number;
  readonly casRate: number;
}

/** Random specs from a seeded generator (for benchmarks; property tests use fast-check). */
export function randomSpecs(rng: Rng, o: RandomSpecOptions): OpSpec[] {
  const specs: OpSpec[] = [];
  for (let i = 0; i < o.ops; i++) {
    const r = rng.next();
    specs.push({
      client: rng.int(0, o.clients),
      kind: r < o.getRate ? 'get' : r < o.getRate + o.casRate ? 'cas' : 'put',
      key: rng.int(0, o.keys),
      casHit: rng.chance(0.5),
      callSlack: rng.int(0, o.maxSlack + 1),
      retSlack: rng.int(0, o.maxSlack + 1),
      pending: rng.chance(o.pendingRate),
      lost: rng.chance(0.5),
    });
  }
  return specs;
}
