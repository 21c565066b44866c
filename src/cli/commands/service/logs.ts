/**
 * `shoal service logs SERVICE|TASK`: asks the daemon for details and demultiplexes the
 * stream; stdout lines go to stdout and stderr lines to stderr, prefixed as Docker does.
 */
import type { Command } from 'commander';
import type { Task } from '../../../api/index.ts';
import { DaemonError } from '../../client/errors.ts';
import { act, leaf } from '../../kit.ts';
import { Demux, formatLine, parseLine } from '../../service/log-lines.ts';

export function logsCommand(): Command {
  return leaf('logs', 'Fetch the logs of a service or task')
    .argument('<service|task>')
    .option('--details', 'Show extra details provided to logs', false)
    .option('-f, --follow', 'Follow log output', false)
    .option('--no-resolve', 'Do not map IDs to Names in output')
    .option('--no-task-ids', 'Do not include task IDs in output')
    .option('--no-trunc', 'Do not truncate output')
    .option('--raw', 'Do not neatly format logs', false)
    .option(
      '--since <string>',
      'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    )
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps', false)
    .action(
      act(async (ctx, [ref], o) => {
        const id = ref as string;
        let serviceMode = true;
        let maxSlot = 1;
        try {
          const svc = await ctx.api.service(id);
          maxSlot = String(svc.Spec.Mode?.Replicated?.Replicas ?? 1).length;
        } catch (e) {
          if (!(e instanceof DaemonError) || e.status !== 404) throw e;
          serviceMode = false;
          await ctx.api.task(id);
        }
        const query = {
          stdout: true,
          stderr: true,
          details: true,
          follow: o.follow || undefined,
          timestamps: o.timestamps || undefined,
          tail: o.tail,
          since: o.since,
        };
        const res = serviceMode ? await ctx.api.serviceLogs(id, query) : await ctx.api.taskLogs(id, query);
        const resolve = o.resolve !== false;
        const services = new Map<string, string>();
        const nodes = new Map<string, string>();
        const tasks = new Map<string, Task>();
        if (resolve) {
          for (const s of await ctx.api.services(undefined, false)) services.set(s.ID, s.Spec.Name);
          for (const n of await ctx.api.nodes()) nodes.set(n.ID, n.Description?.Hostname ?? n.ID);
        }
        const slotOf = async (taskId: string): Promise<string> => {
          let t = tasks.get(taskId);
          if (t === undefined) {
            try {
              t = await ctx.api.task(taskId);
              tasks.set(taskId, t);
            } catch {
              return '';
            }
          }
          return t.Slot ? String(t.Slot) : (t.NodeID ?? '');
        };
        const demux = new Demux();
        const partial: Record<number, string> = {};
        for await (const chunk of res) {
          for (const f of demux.push(chunk as Buffer)) {
            const text = (partial[f.stream] ?? '') + f.payload.toString('utf8');
            const lines = text.split('\n');
            partial[f.stream] = lines.pop() ?? '';
            for (const line of lines) {
              const p = parseLine(line, o.timestamps);
              const task = p.details['com.docker.swarm.task.id'] ?? '';
              const slot = await slotOf(task);
              const shown = formatLine(
                p,
                {
                  serviceName: (sid) => (resolve ? (services.get(sid) ?? sid) : sid),
                  nodeName: (nid) => (resolve ? (nodes.get(nid) ?? nid) : nid),
                  slot: () => slot,
                  maxSlotWidth: maxSlot,
                },
                {
                  raw: o.raw,
                  trunc: o.trunc !== false,
                  taskIds: o.taskIds !== false,
                  timestamps: o.timestamps,
                },
              );
              (f.stream === 2 ? ctx.err : ctx.out)(`${shown}\n`);
            }
          }
        }
      }),
    );
}
