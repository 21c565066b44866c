/** /configs: see blobs.ts. A config's Data is shown back (base64). */
import { BODY_SHAPES } from '../keys.ts';
import { configToEngine } from '../mappers/objects.ts';
import { blobRoutes } from './blobs.ts';

export const configRoutes = blobRoutes({
  kind: 'config',
  shape: BODY_SHAPES.config,
  list: (c, filters) => c.listConfigs({ filters }),
  get: (c, ref) => c.getConfig(ref),
  create: (c, spec) => c.createConfig(spec),
  update: (c, ref, version, spec) => c.updateConfig(ref, version, spec),
  remove: (c, ref) => c.removeConfig(ref),
  toEngine: configToEngine,
});
