/**
 * What an Updater needs from its supervisor: the store and the injected world, the restart
 * supervisor (for delayed starts), and the supervisor's knowledge of which services hold
 * an UpdateStatus left from an older spec.
 */
import type { Clock } from '../../../base/clock.ts';
import type { Logger } from '../../../base/logger.ts';
import type { Rng } from '../../../base/rng.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { RestartSupervisor } from '../restart/supervisor.ts';
import type { SService } from '../task.ts';

export interface UpdaterContext {
  store: MemoryStore;
  clock: Clock;
  rng: Rng;
  log: Logger;
  restarts: RestartSupervisor;
  /** The UpdateStatus now describes the service's current spec. */
  clearStale(serviceId: string): void;
  /** Is `cur` still the service an update of `target` works towards? */
  sameSpec(cur: SService, target: SService): boolean;
}
