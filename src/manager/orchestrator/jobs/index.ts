/**
 * jobs/: the jobs orchestrator, first step of a task's path for replicated-job and
 * global-job services: tasks that run to COMPLETE, at most MaxConcurrent at once until
 * TotalCompletions (or once per eligible node), in iterations named by
 * Service.JobStatus. See docs/design/orchestrator.md.
 */
export { JobsOrchestrator } from './orchestrator.ts';
export { type JobPlan, jobIteration, planGlobalJob, planReplicatedJob, specChanged } from './plan.ts';
