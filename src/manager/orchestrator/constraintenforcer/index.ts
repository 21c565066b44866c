/**
 * constraintenforcer/: shuts down (desired SHUTDOWN) the tasks on a node that stopped
 * meeting their placement constraints or reservations, or that was drained; the
 * orchestrators replace them elsewhere. See docs/design/orchestrator.md.
 */
export { noncompliantTasks } from './check.ts';
export { ConstraintEnforcer } from './enforcer.ts';
