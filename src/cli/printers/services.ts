/**
 * `service ls`: ID, NAME, MODE, REPLICAS (running/desired from the list's ServiceStatus;
 * jobs add the completions; a per-node cap adds "(max N per node)"), IMAGE, PORTS;
 * sorted by name.
 */
import type { EngineService } from '../client/api.ts';
import type { Listing } from '../format/listing.ts';
import { imageNoDigest, naturalCompare, portsText } from './common.ts';

function mode(s: EngineService): string {
  const m = s.Spec.Mode ?? {};
  if (m.Global) return 'global';
  if (m.ReplicatedJob) return 'replicated job';
  if (m.GlobalJob) return 'global job';
  return 'replicated';
}

function replicas(s: EngineService): string {
  const st = s.ServiceStatus;
  const m = s.Spec.Mode ?? {};
  const running = st?.RunningTasks ?? 0;
  const desired = st?.DesiredTasks ?? (m.Replicated ? (m.Replicated.Replicas ?? 1) : 0);
  if (m.ReplicatedJob) {
    const total = m.ReplicatedJob.TotalCompletions ?? m.ReplicatedJob.MaxConcurrent ?? 1;
    return `${running}/${desired} (${st?.CompletedTasks ?? 0}/${total} completed)`;
  }
  if (m.GlobalJob) return `${running}/${desired} (${st?.CompletedTasks ?? 0}/${desired} completed)`;
  const max = s.Spec.TaskTemplate.Placement?.MaxReplicas;
  return `${running}/${desired}${m.Replicated && max ? ` (max ${max} per node)` : ''}`;
}

export function serviceListing(services: readonly EngineService[]): Listing {
  const sorted = [...services].sort((a, b) => naturalCompare(a.Spec.Name, b.Spec.Name));
  return {
    columns: '{{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}',
    titles: { ID: 'ID', Name: 'NAME', Mode: 'MODE', Replicas: 'REPLICAS', Image: 'IMAGE', Ports: 'PORTS' },
    rows: sorted.map((s) => ({
      ID: s.ID.slice(0, 12),
      Image: imageNoDigest(s.Spec.TaskTemplate.ContainerSpec?.Image),
      Mode: mode(s),
      Name: s.Spec.Name,
      Ports: portsText(s.Endpoint?.Ports, 'ingress'),
      Replicas: replicas(s),
    })),
    quiet: (r) => String(r.ID),
  };
}
