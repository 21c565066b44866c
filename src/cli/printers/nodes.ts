/**
 * `node ls`: ID (with ` *` on the node the CLI talks to), HOSTNAME, STATUS, AVAILABILITY,
 * MANAGER STATUS (Leader, Reachable, Unreachable; empty on workers), ENGINE VERSION;
 * sorted by hostname as Docker does.
 */
import type { Node } from '../../api/index.ts';
import type { Listing } from '../format/listing.ts';
import { naturalCompare, title } from './common.ts';

export function managerStatus(n: Node): string {
  if (n.ManagerStatus === undefined) return '';
  if (n.ManagerStatus.Leader) return 'Leader';
  return title(n.ManagerStatus.Reachability);
}

export function nodeListing(nodes: readonly Node[], self: string): Listing {
  const sorted = [...nodes].sort(
    (a, b) =>
      naturalCompare(a.Description?.Hostname ?? '', b.Description?.Hostname ?? '') ||
      naturalCompare(a.ID, b.ID),
  );
  return {
    columns:
      '{{.IDSelf}}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}\t{{.EngineVersion}}',
    titles: {
      ID: 'ID',
      IDSelf: 'ID',
      Hostname: 'HOSTNAME',
      Status: 'STATUS',
      Availability: 'AVAILABILITY',
      ManagerStatus: 'MANAGER STATUS',
      EngineVersion: 'ENGINE VERSION',
      TLSStatus: 'TLS STATUS',
    },
    rows: sorted.map((n) => ({
      Availability: title(n.Spec.Availability),
      EngineVersion: n.Description?.Engine?.EngineVersion ?? '',
      Hostname: n.Description?.Hostname ?? '',
      ID: n.ID,
      IDSelf: `${n.ID} ${n.ID === self ? '*' : ' '}`,
      ManagerStatus: managerStatus(n),
      Self: n.ID === self,
      Status: title(n.Status.State),
      TLSStatus: 'Unknown',
    })),
    quiet: (r) => String(r.ID),
    hidden: ['IDSelf'],
  };
}
