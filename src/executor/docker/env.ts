/**
 * What every controller of one DockerExecutor shares: the engine client, this node's
 * identity on the engine, the shared event stream and the options.
 */
import type Docker from 'dockerode';
import type { Clock } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import type { EngineEvents } from './events.ts';
import type { TemplateContext } from './names.ts';

export interface DockerEnv {
  docker: Docker;
  /** OWNER_LABEL's value: the Shoal node this executor runs for. */
  owner: string;
  clock: Clock;
  log: Logger;
  events: EngineEvents;
  /** Pull a missing image (when a registry is reachable); otherwise only local images run. */
  pull: boolean;
  network: string | undefined;
  meshHostIp: string;
  /** The node's own address, which host-mode ports bind (undefined: every address). */
  nodeAddress: string | undefined;
  /** Where secrets/configs live on the engine host (a tmpfs). */
  filesRoot: string;
  /** The engine shares this machine's filesystem (leftovers of removed tasks are deleted). */
  localFiles: boolean;
  /** The node as templates see it (from the engine's info, fetched once). */
  node(): Promise<TemplateContext['node']>;
  /** What list() last saw of a task's container (seeds an adopting controller's health). */
  seen(taskId: string): { health: import('../executor.ts').HealthStatus } | undefined;
}
