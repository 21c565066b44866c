/**
 * Types of the linearizability checker: the sequential model a history is checked against,
 * the operation records the simulator collects, and the checker's verdict.
 *
 * An operation is the interval [call, ret] in which one client waited for one request. A
 * completed operation took effect at exactly one instant inside its interval. An operation
 * that never returned (`ret` undefined or Infinity: the client timed out or crashed) may have
 * taken effect at any instant after `call`, or never; its output is unknown, so the model is
 * given `undefined` for it and must accept any output. See docs/design/linearizability.md.
 */

/** One client request as observed by the client. */
export interface Operation<I, O> {
  /** Identifies the operation in explanations; unique within a history by convention. */
  readonly id: number | string;
  /** The client that issued it; one client has at most one operation outstanding. */
  readonly client: number | string;
  readonly input: I;
  /** What the client received. Ignored (treated as unknown) when the operation is pending. */
  readonly output?: O | undefined;
  /** When the client sent the request. */
  readonly call: number;
  /** When the client received the response; undefined or Infinity if it never did. */
  readonly ret?: number | undefined;
}

/**
 * A deterministic sequential specification. `step` must not mutate `state`: the search keeps
 * old states on its backtracking stack and in its memo table.
 */
export interface Model<S, I, O> {
  /** The state before any operation. */
  init(): S;
  /**
   * Applies one operation. `output` is undefined when the operation never returned: the
   * model must then accept (ok: true) and return the state the input alone leads to.
   * For a returned operation, ok says whether that output is possible in `state`.
   */
  step(state: S, input: I, output: O | undefined): { ok: boolean; next: S };
  /**
   * Splits a history into independent sub-histories (P-compositionality, e.g. one per key).
   * The history is linearizable iff every part is. Omit to check the history as a whole.
   */
  partition?(ops: readonly Operation<I, O>[]): Operation<I, O>[][];
  /** A name for one part returned by `partition` (the key), used in verdicts. */
  partitionLabel?(ops: readonly Operation<I, O>[]): string;
  /**
   * A canonical string for a state: equal states must map to equal strings. Used to memoize
   * the search. Without it, `equal` is used, and without both, JSON.stringify (so the state
   * must then be plain JSON data: a Map would stringify to "{}").
   */
  key?(state: S): string;
  /** State equality, when `key` is not provided. */
  equal?(a: S, b: S): boolean;
  /** One operation for humans, e.g. `get(x) -> "1"`; output undefined means pending. */
  describe(input: I, output: O | undefined): string;
  /** One state for humans; JSON.stringify when omitted. */
  describeState?(state: S): string;
  /**
   * True if the operation never changes the state. Such an operation that never returned
   * constrains nothing (its output is unknown) and is dropped before the search.
   */
  readOnly?(input: I): boolean;
  /**
   * Drops operations of one part that provably cannot change its verdict, typically pending
   * writes that nothing could have observed (each of them otherwise multiplies the search).
   * Must keep every completed operation.
   */
  prune?(ops: readonly Operation<I, O>[]): Operation<I, O>[];
  /**
   * Classes of interchangeable pending operations of one (pruned) part, one entry per
   * operation (undefined: in no class). Two pending operations share a class only if, in any
   * linearization, exchanging which of them takes effect at which point (each still after
   * its own call) leaves a linearization, e.g. because their inputs are equal. The search
   * then applies only the last-called candidate of a class.
   */
  interchangeable?(ops: readonly Operation<I, O>[]): (string | undefined)[];
}

export interface CheckOptions {
  /**
   * Budget of model steps over the whole check (deterministic). Default 10,000,000, about
   * ten seconds. When it runs out the verdict is 'unknown'.
   */
  maxSteps?: number;
  /** Wall-clock budget in milliseconds (not deterministic; prefer maxSteps). No default. */
  timeoutMs?: number;
}

/** An operation placed in the longest linearizable prefix, with the state it led to. */
export interface PlacedOperation<S, I, O> {
  readonly op: Operation<I, O>;
  readonly stateAfter: S;
}

/** An operation that could go next after the longest prefix but did not fit. */
export interface UnplacedOperation<I, O> {
  readonly op: Operation<I, O>;
  /** 'rejected': the model refuses its output in that state; 'dead-end': it fits, but
   * nothing after it does (every extension was explored and failed). */
  readonly reason: 'rejected' | 'dead-end';
}

export interface CheckOk {
  readonly ok: true;
  /** Number of independent parts checked. */
  readonly partitions: number;
  /** Model steps spent. */
  readonly steps: number;
}

export interface CheckViolation<S, I, O> {
  readonly ok: false;
  /** Index of the failing part in the model's partition order (0 without partitioning). */
  readonly partition: number;
  /** The model's label for that part (the key for the KV model). */
  readonly key: string | undefined;
  /** Multi-line, human-readable reason. */
  readonly explanation: string;
  /** All operations of the failing part, as given. */
  readonly ops: readonly Operation<I, O>[];
  /** The longest linearizable prefix found, in linearization order. */
  readonly prefix: readonly PlacedOperation<S, I, O>[];
  /** The operations that could have been linearized next, none of which worked. */
  readonly unplaced: readonly UnplacedOperation<I, O>[];
  /** The completed operation whose return bounds the frontier, if any. */
  readonly deadline: Operation<I, O> | undefined;
  readonly steps: number;
}

export interface CheckUnknown {
  readonly ok: 'unknown';
  readonly reason: string;
  readonly steps: number;
}

export type CheckResult<S, I, O> = CheckOk | CheckViolation<S, I, O> | CheckUnknown;
