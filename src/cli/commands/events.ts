/**
 * `shoal events`: the daemon's event stream, as `docker events` prints it:
 *
 *   2026-11-25T21:00:00.123456789Z service create 3vakpv945kou... (name=web)
 *
 * `--since`/`--until` take a Unix timestamp, an RFC 3339 date or a Go duration before now
 * ("10m"); without `--until` the stream follows until interrupted. `--format` takes a
 * template (`{{json .}}`, `{{.Type}} {{.Action}}`).
 */
import type { Command } from 'commander';
import { CliError } from '../client/errors.ts';
import { parseDuration } from '../format/duration.ts';
import { parseTemplate } from '../format/template.ts';
import { act, leaf } from '../kit.ts';
import { collect } from '../options.ts';
import { parseFilters } from './filters.ts';

interface EngineEvent {
  Type: string;
  Action: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  scope?: string;
  time?: number;
  timeNano?: number;
}

/** A point in time as the Engine's `since`/`until` take it (seconds, with a fraction). */
export function eventTime(value: string, now: number): string {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return v;
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new CliError(`invalid time ${JSON.stringify(value)}`);
    return (ms / 1000).toFixed(9);
  }
  try {
    return ((now - parseDuration(v) / 1e6) / 1000).toFixed(9);
  } catch {
    throw new CliError(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  }
}

/** Docker's one-line form of an event. */
export function eventLine(e: EngineEvent): string {
  const nano = e.timeNano ?? (e.time ?? 0) * 1e9;
  const ms = Math.floor(nano / 1e6);
  const frac = String(Math.round(nano % 1e9)).padStart(9, '0');
  const when = `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
  const attrs = Object.entries(e.Actor?.Attributes ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${when} ${e.Type} ${e.Action} ${e.Actor?.ID ?? ''}${attrs ? ` (${attrs})` : ''}`;
}

export function eventsCommand(): Command {
  return leaf('events', 'Get real time events from the server')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format the output using the given Go template')
    .option('--since <string>', 'Show all events created since timestamp')
    .option('--until <string>', 'Stream events until this timestamp')
    .action(
      act(async (ctx, _a, o) => {
        const now = ctx.now();
        const filters = parseFilters(o.filter);
        const query = {
          ...(o.since !== undefined && { since: eventTime(o.since, now) }),
          ...(o.until !== undefined && { until: eventTime(o.until, now) }),
          ...(Object.keys(filters).length > 0 && {
            filters: JSON.stringify(
              Object.fromEntries(
                Object.entries(filters).map(([k, vs]) => [k, Object.fromEntries(vs.map((v) => [v, true]))]),
              ),
            ),
          }),
        };
        const format = o.format?.trim();
        const tpl = format && format !== 'json' ? parseTemplate(format) : undefined;
        const res = await ctx.api.http.stream('/events', { query });
        let buf = '';
        for await (const chunk of res) {
          buf += (chunk as Buffer).toString('utf8');
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (line === '') continue;
            const e = JSON.parse(line) as EngineEvent;
            if (format === 'json') ctx.out(`${line}\n`);
            else if (tpl) ctx.out(`${tpl.execute(e as never)}\n`);
            else ctx.out(`${eventLine(e)}\n`);
          }
        }
      }),
    );
}
