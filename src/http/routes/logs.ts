/**
 * GET /services/{id}/logs and /tasks/{id}/logs (moby router/swarm helpers.go swarmLogs and
 * daemon/cluster ServiceLogs), in moby's order:
 *
 *   stdout/stderr   at least one (`Bad parameters: you must choose at least one stream`)
 *   references      resolved through the control API (404s, 503 off a manager); a TTY
 *                   anywhere makes the stream raw, otherwise it is multiplexed (and labelled
 *                   so from API 1.42)
 *   tail, since     `tail value must be a positive integer or "all"`, `could not parse
 *                   since timestamp: ...`
 *   then 200 and the headers at once; lines as the backend yields them until it ends (no
 *   follow) or the client goes away
 */
import { once } from 'node:events';
import type { LogsRequest } from '../backend.ts';
import { type Reply, type RouteContext, streamed } from '../context.ts';
import { invalidParameter } from '../errors.ts';
import {
  frame,
  logLine,
  MEDIA_MULTIPLEXED,
  MEDIA_RAW,
  parseTail,
  parseUnixTimestamp,
  STREAM,
} from '../logs.ts';
import { boolValue } from '../request.ts';
import { versionAtLeast } from '../router.ts';

const NOT_CONTAINER = 'logs only supported on container tasks';

export async function streamLogs(
  ctx: RouteContext,
  selector: { services: string[]; tasks: string[] },
): Promise<Reply> {
  const q = ctx.query;
  const stdout = boolValue(q, 'stdout');
  const stderr = boolValue(q, 'stderr');
  if (!stdout && !stderr) throw invalidParameter('Bad parameters: you must choose at least one stream');
  const control = ctx.control();
  let tty = false;
  const req: LogsRequest = {
    serviceIds: [],
    taskIds: [],
    follow: boolValue(q, 'follow'),
    tail: undefined,
    since: undefined,
    stdout,
    stderr,
  };
  for (const ref of selector.services) {
    const s = await control.getService(ref);
    const c = s.Spec.TaskTemplate.ContainerSpec;
    if (c === undefined) throw invalidParameter(NOT_CONTAINER);
    tty ||= c.TTY === true;
    req.serviceIds.push(s.ID);
  }
  for (const ref of selector.tasks) {
    const t = await control.getTask(ref);
    const c = t.Spec.ContainerSpec;
    if (c === undefined) throw invalidParameter(NOT_CONTAINER);
    tty ||= c.TTY === true;
    req.taskIds.push(t.ID);
  }
  req.tail = parseTail(q.get('tail'));
  req.since = parseUnixTimestamp(q.get('since'), 'could not parse since timestamp: ');
  const opts = { details: boolValue(q, 'details'), timestamps: boolValue(q, 'timestamps') };

  const res = ctx.res;
  const mux = !tty;
  res.writeHead(200, {
    'Content-Type': mux && versionAtLeast(ctx.apiVersion, '1.42') ? MEDIA_MULTIPLEXED : MEDIA_RAW,
  });
  res.flushHeaders();
  const send = async (b: Buffer) => {
    if (!res.write(b) && !ctx.signal.aborted) {
      await Promise.race([once(res, 'drain'), once(ctx.signal, 'abort')]);
    }
  };
  try {
    for await (const m of ctx.backend.logs(req, ctx.signal)) {
      if (ctx.signal.aborted) break;
      if (m.err !== undefined) {
        const b = Buffer.from(`Error grabbing logs: ${m.err}\n`);
        await send(mux ? frame(STREAM.system, b) : b);
        continue;
      }
      if ((m.stream === 'stdout' && !stdout) || (m.stream === 'stderr' && !stderr)) continue;
      const line = logLine(m, opts);
      await send(mux ? frame(m.stream === 'stdout' ? STREAM.stdout : STREAM.stderr, line) : line);
    }
  } finally {
    res.end();
  }
  return streamed;
}
