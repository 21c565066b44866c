/**
 * What validation reports. A Problem is a value: the field it is about, Docker's message
 * text, and where in Docker the rule lives (the Engine daemon's decoding and conversion,
 * swarmkit's controlapi, or a Shoal-only rule), so the HTTP layer can answer exactly as
 * Docker does (swarmkit's errors reach the client as `rpc error: code = X desc = ...`).
 * Validators return problems in Docker's order: `problems[0]` is what Docker would say.
 * The `assert*` entry points turn the first problem into a domain error class.
 */
import { ShoalError } from '../../base/errors.ts';

/** Where Docker raises it: `engine` (daemon JSON decode / convert), `swarmkit`, or `shoal` (ours only). */
export type ProblemOrigin = 'engine' | 'swarmkit' | 'shoal';

/** The gRPC status swarmkit uses (only for origin `swarmkit`). */
export type GrpcCode =
  | 'InvalidArgument'
  | 'Unimplemented'
  | 'FailedPrecondition'
  | 'PermissionDenied'
  | 'Unknown';

export type ProblemCode = 'invalid_argument' | 'failed_precondition';

export interface Problem {
  /** Dotted Engine-API path of the field (`TaskTemplate.RestartPolicy.Delay`); '' for the whole spec. */
  readonly field: string;
  /** Docker's text, exactly (without the `rpc error: ...` wrapper). */
  readonly message: string;
  readonly origin: ProblemOrigin;
  readonly grpc?: GrpcCode;
  /** ShoalError code the problem maps to. */
  readonly code: ProblemCode;
  /** The HTTP status Docker answers with (the HTTP layer may use it for fidelity). */
  readonly httpStatus: 400 | 403 | 500 | 501;
}

const GRPC_STATUS: Record<GrpcCode, Problem['httpStatus']> = {
  InvalidArgument: 400,
  Unimplemented: 501,
  FailedPrecondition: 400,
  PermissionDenied: 403,
  Unknown: 500,
};

/** A rule of the Engine daemon (JSON decoding or Engine-to-swarmkit conversion): HTTP 400. */
export function engineProblem(field: string, message: string, httpStatus: 400 | 403 = 400): Problem {
  return { field, message, origin: 'engine', code: 'invalid_argument', httpStatus };
}

/** A rule of swarmkit's controlapi, with its gRPC code. */
export function swarmkitProblem(field: string, message: string, grpc: GrpcCode = 'InvalidArgument'): Problem {
  const code: ProblemCode = grpc === 'FailedPrecondition' ? 'failed_precondition' : 'invalid_argument';
  return { field, message, origin: 'swarmkit', grpc, code, httpStatus: GRPC_STATUS[grpc] };
}

/** A rule Docker does not have (documented in docs/design/validation.md). */
export function shoalProblem(field: string, message: string): Problem {
  return { field, message, origin: 'shoal', code: 'invalid_argument', httpStatus: 400 };
}

/** The text Docker prints after "Error response from daemon: ". */
export function dockerMessage(p: Problem): string {
  return p.origin === 'swarmkit' ? `rpc error: code = ${p.grpc ?? 'Unknown'} desc = ${p.message}` : p.message;
}

/** The spec breaks a rule; `problems` lists every problem found, Docker's first one first. */
export class InvalidArgumentError extends ShoalError {
  constructor(readonly problems: readonly Problem[]) {
    super('invalid_argument', problems[0]?.message ?? 'invalid argument');
  }
}

/** The request is well-formed but the cluster's state refuses it (demoting the last manager). */
export class FailedPreconditionError extends ShoalError {
  constructor(readonly problems: readonly Problem[]) {
    super('failed_precondition', problems[0]?.message ?? 'failed precondition');
  }
}

/** An update named a version that is not the object's current one (swarmkit's store text). */
export class UpdateOutOfSequenceError extends ShoalError {
  constructor(
    readonly current: number,
    readonly given: number,
  ) {
    super('conflict', 'update out of sequence');
  }
}

/** Throws the error class of the first problem, carrying all of them; returns when there are none. */
export function throwIfProblems(problems: readonly Problem[]): void {
  const first = problems[0];
  if (first === undefined) return;
  if (first.code === 'failed_precondition') throw new FailedPreconditionError(problems);
  throw new InvalidArgumentError(problems);
}
