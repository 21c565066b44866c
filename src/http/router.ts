/**
 * Routing: the `/v1.NN` prefix, then find-my-way over the route table.
 *
 *   /v1.45/services/x  ─► version 1.45 (1.24..1.47, else Docker's "client version ... is too
 *                          old/new" with 400), path /services/x
 *   /services/x        ─► version 1.47 (a client that names none gets the newest)
 *   no route           ─► 404 `page not found`, as moby's NotFoundHandler
 *
 * Paths are matched case-sensitively, trailing slashes ignored; the image name of
 * /distribution/{name}/json contains slashes, so that route is a wildcard.
 */
import FindMyWay from 'find-my-way';
import type { Handler, Method, Route } from './context.ts';
import { invalidParameter } from './errors.ts';

export const API_VERSION = '1.47';
export const MIN_API_VERSION = '1.24';

/** -1, 0, 1 as Docker's versions.compare (dotted numbers, missing parts are 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.parseInt(pa[i] ?? '0', 10) || 0;
    const y = Number.parseInt(pb[i] ?? '0', 10) || 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export const versionAtLeast = (v: string, min: string): boolean => compareVersions(v, min) >= 0;

export interface Located {
  readonly version: string;
  readonly path: string;
}

/** Splits `/v1.NN` off a path and checks the version (moby's version middleware). */
export function locate(pathname: string): Located {
  const m = /^\/v([0-9.]+)(\/.*)?$/.exec(pathname);
  if (m === null) return { version: API_VERSION, path: pathname };
  const version = m[1] ?? '';
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw invalidParameter(
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  if (compareVersions(version, API_VERSION) > 0) {
    throw invalidParameter(
      `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`,
    );
  }
  return { version, path: m[2] ?? '/' };
}

export interface Match {
  readonly handler: Handler;
  readonly params: Readonly<Record<string, string | undefined>>;
}

export interface Router {
  find(method: string, path: string): Match | undefined;
}

export function createRouter(routes: readonly Route[]): Router {
  const fmw = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 1000 });
  for (const r of routes) {
    // find-my-way's own handler is unused: the entry travels in the store slot.
    fmw.on(r.method, r.path, () => undefined, r.handler);
  }
  return {
    find(method, path) {
      const found = fmw.find(method as Method, path);
      if (found === null) return undefined;
      return { handler: found.store as Handler, params: found.params };
    },
  };
}
