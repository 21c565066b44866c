/**
 * Turns a failed search into a verdict a human can read: the partition (key), the longest
 * linearizable prefix the search found (with the model state after each operation), and the
 * operations that could have gone next, each with why it does not fit.
 *
 * The longest prefix is the one with the most completed operations (then the fewest pending
 * ones). After it every completed candidate is rejected by the model: had one been accepted,
 * the extended prefix would have been longer. Pending candidates are always accepted, but
 * nothing fits after them.
 */

import { eventOrder, isPending } from './linearizability-events.ts';
import type { Frame } from './linearizability-search.ts';
import type {
  CheckViolation,
  Model,
  Operation,
  PlacedOperation,
  UnplacedOperation,
} from './linearizability-types.ts';

/** How many prefix operations the explanation prints (the last ones, nearest the failure). */
const PREFIX_SHOWN = 12;

export interface FailedPartition<S, I, O> {
  readonly model: Model<S, I, O>;
  /** The partition as given to the checker. */
  readonly given: readonly Operation<I, O>[];
  /** The operations searched (pending ones that cannot matter dropped). */
  readonly searched: readonly Operation<I, O>[];
  readonly best: Frame<S> | null;
  readonly partition: number;
  readonly partitions: number;
  readonly key: string | undefined;
  readonly steps: number;
}

export function describeOp<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>): string {
  const pending = isPending(op);
  const when = `[${op.call}, ${pending ? 'pending' : op.ret}]`;
  return `#${op.id} client ${op.client} ${when} ${model.describe(op.input, pending ? undefined : op.output)}`;
}

function describeState<S, I, O>(model: Model<S, I, O>, s: S): string {
  return model.describeState !== undefined ? model.describeState(s) : String(JSON.stringify(s));
}

export function explainViolation<S, I, O>(f: FailedPartition<S, I, O>): CheckViolation<S, I, O> {
  const { model, searched } = f;
  const prefix: PlacedOperation<S, I, O>[] = [];
  for (let fr = f.best; fr !== null; fr = fr.parent) {
    prefix.push({ op: searched[fr.op] as Operation<I, O>, stateAfter: fr.after });
  }
  prefix.reverse();
  const placed = new Set<number>();
  for (let fr = f.best; fr !== null; fr = fr.parent) placed.add(fr.op);
  const state = f.best !== null ? f.best.after : model.init();

  // The frontier: unplaced calls before the first unplaced return.
  const unplaced: UnplacedOperation<I, O>[] = [];
  let deadline: Operation<I, O> | undefined;
  for (const e of eventOrder(searched)) {
    if (placed.has(e.op)) continue;
    const op = searched[e.op] as Operation<I, O>;
    if (!e.isCall) {
      deadline = op;
      break;
    }
    const r = model.step(state, op.input, isPending(op) ? undefined : op.output);
    unplaced.push({ op, reason: r.ok ? 'dead-end' : 'rejected' });
  }

  const where = f.key !== undefined ? `key ${JSON.stringify(f.key)}` : `partition ${f.partition}`;
  const lines: string[] = [
    `not linearizable: ${where} (part ${f.partition + 1} of ${f.partitions}, ${searched.length} operations` +
      `${searched.length !== f.given.length ? ` searched of ${f.given.length}` : ''})`,
  ];
  lines.push(`longest linearizable prefix: ${prefix.length} operations, in linearization order:`);
  if (prefix.length > PREFIX_SHOWN) lines.push(`  ... ${prefix.length - PREFIX_SHOWN} earlier operations`);
  if (prefix.length === 0) lines.push(`  (none; initial state ${describeState(model, state)})`);
  for (const p of prefix.slice(-PREFIX_SHOWN)) {
    lines.push(`  ${describeOp(model, p.op)}  => state ${describeState(model, p.stateAfter)}`);
  }
  if (deadline !== undefined) {
    lines.push(
      `then no operation can take effect: #${deadline.id} (client ${deadline.client}) returned at ` +
        `${deadline.ret}, so one of these had to take effect first, in state ${describeState(model, state)}:`,
    );
  }
  for (const u of unplaced) {
    const why = u.reason === 'rejected' ? 'impossible in this state' : 'possible, but nothing fits after it';
    lines.push(`  ${describeOp(model, u.op)}  -- ${why}`);
  }
  const left = searched.length - prefix.length - unplaced.length;
  if (left > 0) lines.push(`${left} later operations were not reached.`);

  return {
    ok: false,
    partition: f.partition,
    key: f.key,
    explanation: lines.join('\n'),
    ops: f.given,
    prefix,
    unplaced,
    deadline,
    steps: f.steps,
  };
}
