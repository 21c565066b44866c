/**
 * replicated/: the replicated orchestrator, first step of a task's path for replicated
 * services: it turns a service's Replicas into wanted tasks (NEW), one per slot, which
 * the allocator, scheduler and dispatcher then carry to RUNNING; it replaces tasks that
 * stopped or lost their node (restart supervisor) and outdated ones (update supervisor).
 * See docs/design/orchestrator.md.
 */
export { ReplicatedOrchestrator } from './orchestrator.ts';
export { planReplicated, type ReplicatedPlan, removalOrder } from './plan.ts';
