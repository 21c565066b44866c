/** The demo's `docker node ls` and `docker service ps` tables (borderless, aligned). */

interface NodeLike {
  ID: string;
  Description?: { Hostname?: string };
  Spec: { Role: string; Availability: string };
  Status: { State: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

interface TaskLike {
  ID: string;
  Slot?: number;
  NodeID?: string;
  ServiceID: string;
  DesiredState: string;
  Status: { State: string; Timestamp?: string };
  Spec: { ContainerSpec?: { Image?: string } };
}

export function align(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join(''));
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function nodeTable(nodes: NodeLike[], self: string): string[] {
  const rows = [['ID', 'HOSTNAME', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS']];
  const sorted = [...nodes].sort((a, b) =>
    (a.Description?.Hostname ?? '').localeCompare(b.Description?.Hostname ?? ''),
  );
  for (const n of sorted) {
    const ms = n.ManagerStatus
      ? n.ManagerStatus.Leader
        ? 'Leader'
        : cap(n.ManagerStatus.Reachability ?? '')
      : '';
    rows.push([
      `${n.ID}${n.ID === self ? ' *' : ''}`,
      n.Description?.Hostname ?? '',
      cap(n.Status.State),
      cap(n.Spec.Availability),
      ms,
    ]);
  }
  return align(rows);
}

export function taskTable(tasks: TaskLike[], nodes: NodeLike[]): string[] {
  const host = new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]));
  const rows = [['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE']];
  const sorted = tasks
    .filter((t) => t.DesiredState === 'running')
    .sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0));
  for (const t of sorted) {
    rows.push([
      t.ID.slice(0, 12),
      `web.${t.Slot ?? ''}`,
      t.Spec.ContainerSpec?.Image ?? '',
      host.get(t.NodeID ?? '') ?? '',
      cap(t.DesiredState),
      cap(t.Status.State),
    ]);
  }
  return align(rows);
}
