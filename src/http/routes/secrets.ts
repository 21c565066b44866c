/** /secrets: see blobs.ts. A secret's Data is accepted on create and never shown. */
import { BODY_SHAPES } from '../keys.ts';
import { secretToEngine } from '../mappers/objects.ts';
import { blobRoutes } from './blobs.ts';

export const secretRoutes = blobRoutes({
  kind: 'secret',
  shape: BODY_SHAPES.secret,
  list: (c, filters) => c.listSecrets({ filters }),
  get: (c, ref) => c.getSecret(ref),
  create: (c, spec) => c.createSecret(spec),
  update: (c, ref, version, spec) => c.updateSecret(ref, version, spec),
  remove: (c, ref) => c.removeSecret(ref),
  toEngine: secretToEngine,
});
