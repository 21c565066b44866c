/**
 * src/executor: how a node runs its tasks. In the task's path it sits under the agent:
 * the dispatcher hands the agent its assignments, the agent makes one TaskRunner per task,
 * the runner drives that task's Controller (from the node's Executor) through ACCEPTED ..
 * RUNNING and on to a terminal state, and reports each status back up to the dispatcher.
 *
 * - executor.ts: the Executor and Controller interfaces (Docker-shaped).
 * - progress.ts: the pure state progression (which step next, which status to report).
 * - task-runner.ts: TaskRunner, one per task: runs steps, honours grace periods, reports.
 * - spec.ts, errors.ts: what the spec says (grace, health timing); ExecutorError.
 * - contract.ts + testing.ts: the shared suite every executor passes, and its helpers.
 * - fake/: FakeExecutor for tests and the simulator; process/ and docker/ come later.
 * Design: docs/design/executor.md.
 */
export * from './errors.ts';
export type * from './executor.ts';
export {
  exitReport,
  failure,
  nextStatus,
  nextStep,
  type Report,
  type Step,
  type StopReason,
  type TaskFacts,
  UNHEALTHY,
} from './progress.ts';
export * from './spec.ts';
export { type StatusListener, TaskRunner, type TaskRunnerOptions } from './task-runner.ts';
