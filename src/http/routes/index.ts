/** Every route, one file per resource. */
import type { Route } from '../context.ts';
import { configRoutes } from './configs.ts';
import { distributionRoutes } from './distribution.ts';
import { eventRoutes } from './events.ts';
import { networkRoutes } from './networks.ts';
import { nodeRoutes } from './nodes.ts';
import { secretRoutes } from './secrets.ts';
import { serviceRoutes } from './services.ts';
import { swarmRoutes } from './swarm.ts';
import { systemRoutes } from './system.ts';
import { taskRoutes } from './tasks.ts';

export const allRoutes: readonly Route[] = [
  ...systemRoutes,
  ...swarmRoutes,
  ...nodeRoutes,
  ...serviceRoutes,
  ...taskRoutes,
  ...secretRoutes,
  ...configRoutes,
  ...networkRoutes,
  ...eventRoutes,
  ...distributionRoutes,
];
