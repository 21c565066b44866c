/**
 * GET /events (moby router/system getEvents and daemon/events): a stream of JSON messages,
 * one a line.
 *
 *   since/until  Unix seconds[.nanos]; without either, only events to come; with them, the
 *                remembered ones in the window first; an `until` in the past ends the
 *                stream after those, a future one ends it when the clock gets there
 *   filters      both JSON shapes; type, event (action), scope exactly; service, node,
 *                network, secret, config, container, ... match the actor's id or name by
 *                prefix whatever the event's type (Docker's fuzzyMatchName); label k / k=v
 *                against the attributes
 */
import { Filters } from '../../manager/controlapi/index.ts';
import type { EventMessage } from '../backend.ts';
import { type Route, streamed } from '../context.ts';
import { invalidParameter } from '../errors.ts';
import { parseUnixTimestamp } from '../logs.ts';
import { filtersParam } from './util.ts';

const NAMED = [
  'config',
  'container',
  'daemon',
  'network',
  'node',
  'plugin',
  'secret',
  'service',
  'volume',
  'image',
];
const FUZZY_ACTIONS = ['health_status', 'exec_create', 'exec_start'];

/** moby's events Filter.Include. */
export function eventMatches(f: Filters, m: EventMessage): boolean {
  const action = FUZZY_ACTIONS.some((a) => f.get('event').includes(a))
    ? f.prefix('event', m.Action)
    : f.exact('event', m.Action);
  if (!action || !f.exact('type', m.Type) || !f.exact('scope', m.scope)) return false;
  const name = m.Actor.Attributes.name ?? '';
  for (const key of NAMED) {
    if (!f.prefix(key, m.Actor.ID) && !f.prefix(key, name)) return false;
  }
  return f.labels('label', m.Actor.Attributes);
}

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    path: '/events',
    handler: async (ctx) => {
      const q = ctx.query;
      const since = parseUnixTimestamp(q.get('since'), '');
      const until = parseUnixTimestamp(q.get('until'), '');
      if (since !== undefined && until !== undefined && until < since) {
        throw invalidParameter(
          `\`since\` time (${q.get('since')}) cannot be after \`until\` time (${q.get('until')})`,
        );
      }
      const f = Filters.parse(filtersParam(ctx));
      const res = ctx.res;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      const write = (m: EventMessage) => {
        if (eventMatches(f, m)) res.write(`${JSON.stringify(m)}\n`);
      };
      const inWindow = (m: EventMessage) => {
        const ms = m.timeNano / 1e6;
        return (since === undefined || ms >= since) && (until === undefined || ms <= until);
      };
      const now = ctx.clock.wallNow();
      const sub = ctx.backend.events(write);
      try {
        if (since !== undefined || until !== undefined) for (const m of sub.past) if (inWindow(m)) write(m);
        if (until !== undefined && until <= now) return streamed;
        await new Promise<void>((done) => {
          if (ctx.signal.aborted) return done();
          ctx.signal.addEventListener('abort', () => done(), { once: true });
          if (until !== undefined) {
            const timer = ctx.clock.setTimeout(done, until - now);
            ctx.signal.addEventListener('abort', () => timer.cancel(), { once: true });
          }
        });
        return streamed;
      } finally {
        sub.close();
        res.end();
      }
    },
  },
];
