/**
 * Linearizability checker for client histories recorded by the simulator.
 *
 * checkLinearizable(model, ops) decides whether some total order of the operations (a)
 * respects real time: an operation that returned before another was called comes first,
 * and (b) is a legal sequential execution of the model. It splits the history with the
 * model's partition function (P-compositionality: a KV history is linearizable iff each
 * key's sub-history is), drops pending operations that cannot matter (Model.readOnly,
 * Model.prune), then runs the WGL search with memoization on each part, smallest first,
 * under one step budget. Design note: docs/design/linearizability.md.
 */
import { ShoalError } from '../base/errors.ts';
import { isPending } from './linearizability-events.ts';
import { explainViolation } from './linearizability-explain.ts';
import type { Budget, SearchOutcome } from './linearizability-search.ts';
import { searchPartition } from './linearizability-search.ts';
import type { CheckOptions, CheckResult, Model, Operation } from './linearizability-types.ts';

export { isPending } from './linearizability-events.ts';
export { describeOp } from './linearizability-explain.ts';
export type { KvInput, KvOutput, KvState } from './linearizability-kv.ts';
export { kvModel } from './linearizability-kv.ts';
export type * from './linearizability-types.ts';

export const DEFAULT_MAX_STEPS = 10_000_000;
/** Steps per operation the first, greedy pass of a part with pending operations may spend. */
const QUICK_PASS_STEPS_PER_OP = 20;

function validate(ops: readonly Operation<unknown, unknown>[]): void {
  for (const op of ops) {
    if (!Number.isFinite(op.call)) {
      throw new ShoalError('invalid_argument', `operation #${op.id}: call time ${op.call} is not finite`);
    }
    if (op.ret !== undefined && (Number.isNaN(op.ret) || op.ret < op.call)) {
      throw new ShoalError(
        'invalid_argument',
        `operation #${op.id}: returns at ${op.ret}, before its call at ${op.call}`,
      );
    }
  }
}

/**
 * Two passes when there are pending operations. Greedy plain memoization first, for a bounded
 * number of steps: it finds a linearization of a valid history fastest, applying each pending
 * operation as soon as it is called. Then, if undecided, with dominance pruning, which keeps
 * the search of an invalid history from multiplying by the subsets of pending operations.
 * Both are complete, so a verdict from either stands.
 */
function search<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  budget: Budget,
): SearchOutcome<S> {
  if (!ops.some(isPending)) {
    return searchPartition(model, ops, budget, { dominance: false, stopAt: budget.maxSteps });
  }
  const quick = budget.steps + QUICK_PASS_STEPS_PER_OP * ops.length + 1000;
  const first = searchPartition(model, ops, budget, { dominance: false, stopAt: quick });
  if (first.kind !== 'budget' || budget.steps >= budget.maxSteps || performance.now() > budget.deadline) {
    return first;
  }
  return searchPartition(model, ops, budget, { dominance: true, stopAt: budget.maxSteps });
}

/** Checks that `ops` is linearizable with respect to `model`. Deterministic given maxSteps. */
export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<S, I, O> {
  validate(ops);
  const parts = model.partition !== undefined ? model.partition(ops) : [ops.slice()];
  const budget: Budget = {
    steps: 0,
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
    deadline:
      options.timeoutMs !== undefined ? performance.now() + options.timeoutMs : Number.POSITIVE_INFINITY,
  };
  // Small parts first: a violation in a cheap part is found even if a big one is too costly.
  const order = parts
    .map((_, i) => i)
    .sort((a, b) => (parts[a]?.length ?? 0) - (parts[b]?.length ?? 0) || a - b);
  for (let n = 0; n < order.length; n++) {
    const index = order[n] as number;
    const given = parts[index] as Operation<I, O>[];
    const kept = given.filter((op) => !(isPending(op) && model.readOnly?.(op.input) === true));
    const searched = model.prune !== undefined ? model.prune(kept) : kept;
    const outcome = search(model, searched, budget);
    if (outcome.kind === 'ok') continue;
    const key = model.partitionLabel?.(given);
    if (outcome.kind === 'budget') {
      const what =
        options.timeoutMs !== undefined
          ? `${budget.maxSteps} steps or ${options.timeoutMs} ms`
          : `${budget.maxSteps} steps`;
      const where = key !== undefined ? `key ${JSON.stringify(key)}` : `partition ${index}`;
      return {
        ok: 'unknown',
        reason:
          `budget of ${what} exhausted on ${where} (${searched.length} operations); ` +
          `${n} of ${parts.length} parts were linearizable before it, ${parts.length - n - 1} not checked`,
        steps: budget.steps,
      };
    }
    return explainViolation({
      model,
      given,
      searched,
      best: outcome.best,
      partition: index,
      partitions: parts.length,
      key,
      steps: budget.steps,
    });
  }
  return { ok: true, partitions: parts.length, steps: budget.steps };
}
