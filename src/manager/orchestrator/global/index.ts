/**
 * global/: the global orchestrator, first step of a task's path for global services: one
 * wanted task per eligible node (ready, active, placement constraints satisfied), created
 * with its node already chosen; it follows nodes joining, leaving, going down, drained,
 * paused or relabelled, and service changes (rolling updates through the update
 * supervisor). See docs/design/orchestrator.md.
 */
export { GlobalOrchestrator } from './orchestrator.ts';
export {
  type GlobalPlan,
  type NodeFit,
  type NodePlan,
  nodeFit,
  planGlobal,
  planGlobalNode,
  serviceConstraints,
} from './plan.ts';
