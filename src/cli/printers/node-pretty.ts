/** `node inspect --pretty`: Docker's human summary of a node, with its tabs. */
import type { Node } from '../../api/index.ts';
import { goTime } from '../format/human-time.ts';
import { formatBytes } from '../format/units.ts';
import { title } from './common.ts';

export function nodePretty(n: Node): string {
  const d = n.Description;
  const out: string[] = [`ID:\t\t\t${n.ID}`];
  if (n.Spec.Name) out.push(`Name:\t\t\t${n.Spec.Name}`);
  const labels = Object.entries(n.Spec.Labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (labels.length) out.push('Labels:', ...labels.map(([k, v]) => ` - ${k}${v ? `=${v}` : ''}`));
  out.push(
    `Hostname:              \t${d?.Hostname ?? ''}`,
    `Joined at:             \t${goTime(n.CreatedAt).toLowerCase()}`,
    'Status:',
    ` State:\t\t\t${title(n.Status.State)}`,
  );
  if (n.Status.Message) out.push(` Message:              \t${n.Status.Message}`);
  out.push(` Availability:         \t${title(n.Spec.Availability)}`);
  if (n.Status.Addr) out.push(` Address:\t\t${n.Status.Addr}`);
  if (n.ManagerStatus) {
    out.push(
      'Manager Status:',
      ` Address:\t\t${n.ManagerStatus.Addr}`,
      ` Raft Status:\t\t${title(n.ManagerStatus.Reachability)}`,
      ` Leader:\t\t${n.ManagerStatus.Leader ? 'Yes' : 'No'}`,
    );
  }
  out.push(
    'Platform:',
    ` Operating System:\t${d?.Platform.OS ?? ''}`,
    ` Architecture:\t\t${d?.Platform.Architecture ?? ''}`,
    'Resources:',
    ` CPUs:\t\t\t${(d?.Resources.NanoCPUs ?? 0) / 1e9}`,
    ` Memory:\t\t${formatBytes(d?.Resources.MemoryBytes ?? 0)}`,
  );
  const plugins = d?.Engine.Plugins ?? [];
  if (plugins.length) {
    const byType = new Map<string, string[]>();
    for (const p of plugins) byType.set(p.Type, [...(byType.get(p.Type) ?? []), p.Name]);
    out.push('Plugins:', ...[...byType].sort().map(([k, v]) => ` ${k}:\t\t${v.sort().join(', ')}`));
  }
  out.push(`Engine Version:\t\t${d?.Engine.EngineVersion ?? ''}`);
  const el = Object.entries(d?.Engine.Labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (el.length) out.push('Engine Labels:', ...el.map(([k, v]) => ` - ${k}${v ? `=${v}` : ''}`));
  const tls = d?.TLSInfo;
  if (tls?.TrustRoot) {
    out.push(
      'TLS Info:',
      ' TrustRoot:',
      tls.TrustRoot.trimEnd(),
      ` Issuer Subject:\t${tls.CertIssuerSubject ?? ''}`,
      ` Issuer Public Key:\t${tls.CertIssuerPublicKey ?? ''}`,
    );
  }
  return `${out.join('\n')}\n`;
}
