/**
 * `service create/update/scale` without -d: polls the service, its up-to-date tasks and
 * the nodes every 200 ms, draws the progress, and returns once every slot has run for the
 * update monitor period (5 s unless the spec says otherwise), with Docker's "verify:"
 * lines. A paused update or rollback ends it with Docker's error.
 */
import type { ShoalClient } from '../client/api.ts';
import { CliError } from '../client/errors.ts';
import { ProgressTracker } from './progress.ts';
import { ProgressWriter } from './progress-writer.ts';

export interface ConvergeIo {
  write: (s: string) => void;
  tty: boolean;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const realConvergeIo = (write: (s: string) => void, tty: boolean): ConvergeIo => ({
  write,
  tty,
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
});

export async function waitForConvergence(api: ShoalClient, serviceId: string, io: ConvergeIo): Promise<void> {
  const tracker = new ProgressTracker();
  const out = new ProgressWriter(io.write, io.tty);
  let convergedAt: number | undefined;
  let rollback = false;
  let note: string | undefined;
  for (;;) {
    const svc = await api.service(serviceId);
    const monitorNs = svc.Spec.UpdateConfig?.Monitor || 5e9;
    const us = svc.UpdateStatus;
    if (us !== undefined) {
      if (us.State === 'updating') rollback = false;
      else if (us.State === 'completed' && convergedAt === undefined) return;
      else if (us.State === 'paused') throw new CliError(`service update paused: ${us.Message ?? ''}`);
      else if (us.State === 'rollback_started') {
        if (!rollback && us.Message) out.show({ id: 'rollback', action: us.Message });
        rollback = true;
      } else if (us.State === 'rollback_paused') {
        throw new CliError(`service rollback paused: ${us.Message ?? ''}`);
      } else if (us.State === 'rollback_completed') {
        if (convergedAt === undefined) note = us.Message;
        rollback = true;
      }
    }
    if (convergedAt !== undefined && io.now() - convergedAt >= monitorNs / 1e6) {
      out.show({ id: 'verify', action: `Service ${serviceId} converged` });
      if (note) out.show({ id: 'rollback', action: note });
      return;
    }
    const tasks = await api.tasks({ service: [svc.ID], '_up-to-date': ['true'] });
    const nodes = await api.nodes();
    const active = new Set(nodes.filter((n) => n.Status.State !== 'down').map((n) => n.ID));
    const step = tracker.update(svc, tasks, active, rollback);
    for (const l of step.lines) out.show(l);
    if (step.converged) {
      if (svc.JobStatus !== undefined || svc.Spec.Mode?.ReplicatedJob || svc.Spec.Mode?.GlobalJob) {
        io.write('job complete\n');
        return;
      }
      convergedAt ??= io.now();
      const wait = monitorNs / 1e6 - (io.now() - convergedAt);
      if (wait >= 0) {
        out.show({
          id: 'verify',
          action: `Waiting ${Math.max(1, Math.ceil(wait / 1000))} seconds to verify that tasks are stable...`,
        });
      }
    } else {
      if (convergedAt !== undefined) out.show({ id: 'verify', action: 'Detected task failure' });
      convergedAt = undefined;
    }
    await io.sleep(200);
  }
}
