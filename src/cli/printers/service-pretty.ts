/**
 * `service inspect --pretty`: the human summary Docker prints, field for field and with
 * its tabs (the lines are not aligned by a tab writer), including its quirks (a space
 * after each Args and Env item, the health check printed after the endpoint mode).
 * `networkNames` maps network ids to names (looked up by the command).
 */
import type { HealthConfig, UpdateConfig } from '../../api/index.ts';
import { goFloat } from '../../api/validate/go-format.ts';
import type { EngineService } from '../client/api.ts';
import { formatDuration } from '../format/duration.ts';
import { ago } from '../format/human-time.ts';
import { formatBytes } from '../format/units.ts';

function sortedEntries(o: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
}

function updateLines(title: string, order: string, u: UpdateConfig): string[] {
  const out = [`${title}:`, ` Parallelism:\t${u.Parallelism ?? 0}`];
  if ((u.Delay ?? 0) > 0) out.push(` Delay:\t\t${formatDuration(u.Delay ?? 0)}`);
  out.push(` On failure:\t${u.FailureAction ?? ''}`);
  if ((u.Monitor ?? 0) > 0) out.push(` Monitoring Period: ${formatDuration(u.Monitor ?? 0)}`);
  out.push(` Max failure ratio: ${goFloat(u.MaxFailureRatio ?? 0)}`);
  out.push(` ${order} order:${order === 'Update' ? '      ' : '    '}${u.Order ?? ''}`);
  return out;
}

export function servicePretty(
  s: EngineService,
  networkNames: ReadonlyMap<string, string>,
  now: number,
): string {
  const spec = s.Spec;
  const t = spec.TaskTemplate;
  const c = t.ContainerSpec ?? { Image: '' };
  const mode = spec.Mode ?? {};
  const out: string[] = ['', `ID:\t\t${s.ID}`, `Name:\t\t${spec.Name}`];
  const labels = sortedEntries(spec.Labels);
  if (labels.length > 0) out.push('Labels:', ...labels.map(([k, v]) => ` ${k}${v ? `=${v}` : ''}`));
  if (mode.Global) out.push('Service Mode:\tGlobal');
  else if (mode.Replicated) {
    out.push('Service Mode:\tReplicated');
    if (mode.Replicated.Replicas !== undefined) out.push(` Replicas:\t${mode.Replicated.Replicas}`);
  } else out.push('Service Mode:');
  const us = s.UpdateStatus;
  if (us?.State) {
    out.push('UpdateStatus:', ` State:\t\t${us.State}`);
    if (us.StartedAt) out.push(` Started:\t${ago(us.StartedAt, now)}`);
    if (us.State === 'completed' && us.CompletedAt) out.push(` Completed:\t${ago(us.CompletedAt, now)}`);
    out.push(` Message:\t${us.Message ?? ''}`);
  }
  out.push('Placement:');
  const p = t.Placement;
  if (p?.Constraints?.length) out.push(` Constraints:\t[${p.Constraints.join(' ')}]`);
  const prefs = (p?.Preferences ?? [])
    .filter((x) => x.Spread)
    .map((x) => `spread=${x.Spread?.SpreadDescriptor}`);
  if (prefs.length) out.push(` Preferences:   [${prefs.join(' ')}]`);
  if (p?.MaxReplicas) out.push(` Max Replicas Per Node:   ${p.MaxReplicas}`);
  if (spec.UpdateConfig) out.push(...updateLines('UpdateConfig', 'Update', spec.UpdateConfig));
  if (spec.RollbackConfig) out.push(...updateLines('RollbackConfig', 'Rollback', spec.RollbackConfig));
  out.push('ContainerSpec:', ` Image:\t\t${c.Image}`);
  if (c.Args?.length) out.push(` Args:\t\t${c.Args.map((a) => `${a} `).join('')}`);
  if (c.Env?.length) out.push(` Env:\t\t${c.Env.map((e) => `${e} `).join('')}`);
  if (c.Dir) out.push(` Dir:\t\t${c.Dir}`);
  if (c.Init !== undefined && c.Init !== null) out.push(` Init:\t\t${c.Init}`);
  if (c.User) out.push(` User: ${c.User}`);
  if (c.CapabilityAdd?.length || c.CapabilityDrop?.length) {
    out.push('Capabilities:');
    if (c.CapabilityAdd?.length) out.push(` Add: ${c.CapabilityAdd.join(', ')}`);
    if (c.CapabilityDrop?.length) out.push(` Drop: ${c.CapabilityDrop.join(', ')}`);
  }
  const sysctls = sortedEntries(c.Sysctls);
  if (sysctls.length) out.push('SysCtls:', ...sysctls.map(([k, v]) => ` ${k}${v ? `: ${v}` : ''}`));
  if (c.Ulimits?.length) {
    out.push(
      'Ulimits:',
      ...[...c.Ulimits]
        .sort((a, b) => (a.Name < b.Name ? -1 : 1))
        .map((u) => ` ${u.Name}: ${u.Soft}:${u.Hard}`),
    );
  }
  if (c.Mounts?.length) {
    out.push('Mounts:');
    for (const m of c.Mounts) {
      out.push(
        ` Target:\t${m.Target}`,
        `  Source:\t${m.Source ?? ''}`,
        `  ReadOnly:\t${m.ReadOnly ?? false}`,
        `  Type:\t\t${m.Type}`,
      );
    }
  }
  if (c.Configs?.length) {
    out.push('Configs:');
    for (const r of c.Configs) out.push(` Target:\t${r.File?.Name ?? ''}`, `  Source:\t${r.ConfigName}`);
  }
  if (c.Secrets?.length) {
    out.push('Secrets:');
    for (const r of c.Secrets) out.push(` Target:\t${r.File?.Name ?? ''}`, `  Source:\t${r.SecretName}`);
  }
  if (t.LogDriver) {
    out.push('Log Driver:');
    if (t.LogDriver.Name) out.push(` Name:\t\t${t.LogDriver.Name}`);
    const opts = sortedEntries(t.LogDriver.Options);
    if (opts.length) out.push(' LogOpts:', ...opts.map(([k, v]) => `  ${k}${v ? `:       ${v}` : ''}`));
    out.push('');
  }
  const r = t.Resources;
  if (r) {
    out.push('Resources:');
    const res = r.Reservations;
    if (res && ((res.NanoCPUs ?? 0) > 0 || (res.MemoryBytes ?? 0) > 0)) {
      out.push(' Reservations:');
      if ((res.NanoCPUs ?? 0) > 0) out.push(`  CPU:\t\t${goFloat((res.NanoCPUs ?? 0) / 1e9)}`);
      if (res.MemoryBytes) out.push(`  Memory:\t${formatBytes(res.MemoryBytes)}`);
    }
    const lim = r.Limits;
    if (lim && ((lim.NanoCPUs ?? 0) > 0 || (lim.MemoryBytes ?? 0) > 0 || (lim.Pids ?? 0) > 0)) {
      out.push(' Limits:');
      if ((lim.NanoCPUs ?? 0) > 0) out.push(`  CPU:\t\t${goFloat((lim.NanoCPUs ?? 0) / 1e9)}`);
      if (lim.MemoryBytes) out.push(`  Memory:\t${formatBytes(lim.MemoryBytes)}`);
    }
  }
  if ((r?.Limits?.Pids ?? 0) > 0) out.push(`  PIDs:\t\t${r?.Limits?.Pids}`);
  const nets = (t.Networks ?? spec.Networks ?? []).map((n) => networkNames.get(n.Target) ?? n.Target);
  if (nets.length) out.push(`Networks:${nets.map((n) => ` ${n}`).join('')} `);
  out.push(`Endpoint Mode:\t${spec.EndpointSpec?.Mode ?? ''}`);
  const ports = s.Endpoint?.Ports ?? [];
  if (ports.length) {
    out.push('Ports:');
    ports.forEach((pc, i) => {
      out.push(
        ` PublishedPort = ${pc.PublishedPort ?? 0}`,
        `  Protocol = ${pc.Protocol ?? 'tcp'}`,
        `  TargetPort = ${pc.TargetPort}`,
        `  PublishMode = ${pc.PublishMode ?? 'ingress'}${i === ports.length - 1 ? ' ' : ''}`,
      );
    });
  }
  const h = (c as { Healthcheck?: HealthConfig }).Healthcheck ?? c.HealthCheck;
  if (h) {
    out.push(
      ' Healthcheck:',
      `  Interval = ${formatDuration(h.Interval ?? 0)}`,
      `  Retries = ${h.Retries ?? 0}`,
      `  StartPeriod =\t${formatDuration(h.StartPeriod ?? 0)}`,
      `  Timeout =\t${formatDuration(h.Timeout ?? 0)}`,
    );
    if (h.Test?.length) {
      out.push('  Tests:');
      const last = h.Test.length - 1;
      for (const [i, x] of h.Test.entries()) out.push(`\t Test = ${x}${i === last ? ' ' : ''}`);
    }
  }
  return `${out.join('\n')}\n\n`;
}
