/**
 * The sequential model of the replicated key-value store the simulator drives: put, get,
 * and compare-and-set over string values, partitioned by key.
 *
 * Outputs: a get returns `{ value }` (null, or a missing value, means the key is absent); a
 * cas returns `{ ok }` (true if it swapped); a put's output is ignored. A cas whose `expect`
 * is null succeeds only if the key is absent. The state is an immutable map so the model is
 * also correct when a history is checked without partitioning. Which pending writes can be
 * pruned or are interchangeable is worked out in linearizability-kv-prune.ts.
 */
import { groupByKey, pendingWriteClasses, prunePendingWrites } from './linearizability-kv-prune.ts';
import type { Model, Operation } from './linearizability-types.ts';

export type KvInput =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'cas'; readonly key: string; readonly expect: string | null; readonly value: string };

export interface KvOutput {
  /** A get's result. */
  readonly value?: string | null;
  /** A cas's result. */
  readonly ok?: boolean;
}

/** Key to value; absent keys are not in the map. Never mutated. */
export type KvState = ReadonlyMap<string, string>;

export type KvOp = Operation<KvInput, KvOutput>;

const EMPTY: KvState = new Map();

function assign(state: KvState, key: string, value: string): KvState {
  if (state.get(key) === value) return state;
  const next = new Map(state);
  next.set(key, value);
  return next;
}

const show = (v: string | null | undefined): string =>
  v === null || v === undefined ? 'null' : JSON.stringify(v);

function stateKey(state: KvState): string {
  if (state.size === 0) return '';
  if (state.size === 1) {
    const [k, v] = state.entries().next().value as [string, string];
    return JSON.stringify([k, v]);
  }
  return JSON.stringify([...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => EMPTY,

  step(state, input, output) {
    const current = state.get(input.key) ?? null;
    switch (input.kind) {
      case 'put':
        return { ok: true, next: assign(state, input.key, input.value) };
      case 'get':
        return { ok: output === undefined || (output.value ?? null) === current, next: state };
      case 'cas': {
        const swaps = current === input.expect;
        if (output !== undefined && (output.ok === true) !== swaps) return { ok: false, next: state };
        return { ok: true, next: swaps ? assign(state, input.key, input.value) : state };
      }
    }
  },

  partition: groupByKey,

  partitionLabel: (ops) => ops[0]?.input.key ?? '',

  key: stateKey,

  describe(input, output) {
    const k = input.key;
    switch (input.kind) {
      case 'put':
        return `put(${k}, ${show(input.value)})`;
      case 'get':
        return `get(${k}) -> ${output === undefined ? '?' : show(output.value)}`;
      case 'cas': {
        const res = output === undefined ? '?' : output.ok === true ? 'swapped' : 'failed';
        return `cas(${k}, ${show(input.expect)} -> ${show(input.value)}) -> ${res}`;
      }
    }
  },

  describeState(state) {
    if (state.size === 0) return '{} (empty)';
    return `{${[...state.entries()].map(([k, v]) => `${k}: ${show(v)}`).join(', ')}}`;
  },

  readOnly: (input) => input.kind === 'get',

  prune: prunePendingWrites,

  interchangeable: pendingWriteClasses,
};
