/**
 * What a route handler gets (RouteContext) and gives back (Reply), and the shape of a route
 * table entry. A handler returns a Reply the server writes (JSON, text, nothing) or takes
 * the response over for a stream (`streamed`), then keeps writing until its signal aborts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../base/clock.ts';
import type { Logger } from '../base/logger.ts';
import type { Control } from '../manager/controlapi/index.ts';
import type { Backend } from './backend.ts';
import { notManagerError } from './errors.ts';
import { type BodySchema, decodeKeys } from './keys.ts';
import { decodeJson, readBody } from './request.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE' | 'PUT';

export type Reply =
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'text'; readonly status: number; readonly body: string; readonly type?: string }
  | { readonly kind: 'empty'; readonly status: number }
  | { readonly kind: 'streamed' };

export const json = (body: unknown, status = 200): Reply => ({ kind: 'json', status, body });
export const empty = (status = 200): Reply => ({ kind: 'empty', status });
export const text = (body: string, status = 200, type?: string): Reply =>
  type === undefined ? { kind: 'text', status, body } : { kind: 'text', status, body, type };
export const streamed: Reply = { kind: 'streamed' };

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly query: URLSearchParams;
  /** The API version the client speaks: from the path, else the newest (1.47). */
  readonly apiVersion: string;
  readonly backend: Backend;
  readonly log: Logger;
  readonly clock: Clock;
  /** Aborts when the client goes away or the server closes. */
  readonly signal: AbortSignal;
  /** The path parameter, or '' (find-my-way always fills declared ones). */
  param(name: string): string;
  /**
   * The JSON body, nulls stripped; given its Go struct, decoded as Go would (keys canonical,
   * unknown ones dropped); undefined when there is none.
   */
  body(schema?: BodySchema): Promise<unknown>;
  /** The manager's ControlApi, or Docker's 503 for this node. */
  control(): Control;
  /** Records the decoded request body for the trace hook. */
  readonly trace: { body?: unknown };
}

export type Handler = (ctx: RouteContext) => Promise<Reply>;

export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly handler: Handler;
}

export function createContext(o: {
  req: IncomingMessage;
  res: ServerResponse;
  params: Readonly<Record<string, string | undefined>>;
  query: URLSearchParams;
  apiVersion: string;
  backend: Backend;
  log: Logger;
  clock: Clock;
  signal: AbortSignal;
}): RouteContext {
  let decoded: Promise<unknown> | undefined;
  const trace: { body?: unknown } = {};
  return {
    ...o,
    trace,
    param: (name) => o.params[name] ?? '',
    body(schema) {
      decoded ??= readBody(o.req).then((raw) => {
        const v = decodeJson(o.req, raw);
        trace.body = v;
        return v;
      });
      return schema === undefined ? decoded : decoded.then((v) => decodeKeys(v, schema.shape, schema.keep));
    },
    control() {
      const c = o.backend.control();
      if (c === undefined) throw notManagerError(o.backend.swarm.info());
      return c;
    },
  };
}
