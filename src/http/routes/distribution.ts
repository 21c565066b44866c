/**
 * GET /distribution/{name}/json: what `docker service create` asks to pin an image to a
 * digest (the name holds slashes and a tag: docker.io/library/nginx:1.27). Without a
 * registry client in the backend the answer is 501; the docker CLI then prints Docker's
 * own warning ("image ... could not be accessed on a registry to record its digest ...")
 * and creates the service with the image as given, and every node pulls it itself.
 */
import { json, type Route } from '../context.ts';
import { HttpStatusError } from '../errors.ts';

export const distributionRoutes: Route[] = [
  {
    method: 'GET',
    path: '/distribution/*',
    handler: async (ctx) => {
      const rest = ctx.param('*');
      if (!rest.endsWith('/json')) throw new HttpStatusError('not_found', 'page not found', 404);
      const image = rest.slice(0, -'/json'.length);
      const lookup = ctx.backend.distribution;
      if (lookup === undefined) {
        throw new HttpStatusError(
          'failed_precondition',
          `cannot resolve ${image} on a registry: this daemon does not query registries (each node pulls the image itself)`,
          501,
        );
      }
      const auth = ctx.req.headers['x-registry-auth'];
      return json(await lookup.call(ctx.backend, image, typeof auth === 'string' ? auth : undefined));
    },
  },
];
