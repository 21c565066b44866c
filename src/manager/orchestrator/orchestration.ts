/**
 * Orchestration: every leader-only component of this folder, started and stopped together
 * (the manager starts one when it becomes leader and stops it when it steps down; an
 * instance runs once). Each component talks to the others only through the store.
 *
 *   replicated ─┐                       taskreaper      (deletes)
 *   global ─────┼─ restart + update     constraintenforcer (shuts down misplaced tasks)
 *   jobs ───────┘  supervisors (each orchestrator owns its own)
 */
import { ConstraintEnforcer } from './constraintenforcer/enforcer.ts';
import { GlobalOrchestrator } from './global/orchestrator.ts';
import { JobsOrchestrator } from './jobs/orchestrator.ts';
import type { OrchestratorDeps } from './loop.ts';
import { ReplicatedOrchestrator } from './replicated/orchestrator.ts';
import { TaskReaper } from './taskreaper/reaper.ts';

export class Orchestration {
  readonly replicated: ReplicatedOrchestrator;
  readonly global: GlobalOrchestrator;
  readonly jobs: JobsOrchestrator;
  readonly reaper: TaskReaper;
  readonly enforcer: ConstraintEnforcer;
  private started = false;

  constructor(deps: OrchestratorDeps) {
    this.replicated = new ReplicatedOrchestrator(deps);
    this.global = new GlobalOrchestrator(deps);
    this.jobs = new JobsOrchestrator(deps);
    this.reaper = new TaskReaper(deps);
    this.enforcer = new ConstraintEnforcer(deps);
  }

  start(): void {
    this.started = true;
    this.replicated.start();
    this.global.start();
    this.jobs.start();
    this.reaper.start();
    this.enforcer.start();
  }

  /** Stops every component and waits for their writes in flight. */
  async stop(): Promise<void> {
    if (!this.started) return;
    await Promise.all([
      this.enforcer.stop(),
      this.reaper.stop(),
      this.jobs.stop(),
      this.global.stop(),
      this.replicated.stop(),
    ]);
  }
}
