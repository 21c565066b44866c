/**
 * The task state ladder. A task only moves forward: the numbers are spaced as in swarmkit
 * so that "at least RUNNING" is a comparison, and a guard refuses any backward move.
 *
 *   new 0 → pending 64 → allocated 128 → assigned 192 → accepted 256 → preparing 320
 *     → ready 384 → starting 448 → running 512
 *     → complete 576 | shutdown 640 | failed 704 | rejected 768 | remove 800 | orphaned 832
 *
 * The Engine API shows the names in lower case (`running`); `docker service ps` shows
 * them capitalised (`Running 5 seconds ago`).
 */
export const TASK_STATES = {
  new: 0,
  pending: 64,
  allocated: 128,
  assigned: 192,
  accepted: 256,
  preparing: 320,
  ready: 384,
  starting: 448,
  running: 512,
  complete: 576,
  shutdown: 640,
  failed: 704,
  rejected: 768,
  remove: 800,
  orphaned: 832,
} as const;

export type TaskState = keyof typeof TASK_STATES;

export function stateRank(s: TaskState): number {
  return TASK_STATES[s];
}

/** a is further along the ladder than b (or equal). */
export function atLeast(a: TaskState, b: TaskState): boolean {
  return TASK_STATES[a] >= TASK_STATES[b];
}

/** A task in a terminal state will never run again. */
export function isTerminal(s: TaskState): boolean {
  return TASK_STATES[s] > TASK_STATES.running;
}

/** The guard: may a task's observed state go from `from` to `to`? */
export function canTransition(from: TaskState, to: TaskState): boolean {
  return TASK_STATES[to] >= TASK_STATES[from];
}

export function isTaskState(s: string): s is TaskState {
  return Object.hasOwn(TASK_STATES, s);
}

/** `Running` for `running`: how `docker service ps` shows a state. */
export function displayState(s: TaskState): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
