/**
 * The task table of `service ps` and `node ps`: ID, NAME (`web.1`, older tasks of a slot as
 * ` \_ web.1`), IMAGE, NODE, DESIRED STATE, CURRENT STATE (`Running 5 seconds ago`),
 * ERROR (quoted, cut at 30 characters unless --no-trunc), PORTS (host-mode ports).
 */
import type { Task } from '../../api/index.ts';
import { goQuote } from '../../api/validate/go-format.ts';
import { ago } from '../format/human-time.ts';
import type { Listing, Row } from '../format/listing.ts';
import { imageNoDigest, naturalCompare, portsText, shortId, title } from './common.ts';

export interface TaskNames {
  services: ReadonlyMap<string, string>;
  nodes: ReadonlyMap<string, string>;
}

function baseName(t: Task, names: TaskNames, trunc: boolean): string {
  const svc = names.services.get(t.ServiceID) ?? t.ServiceID;
  if (t.Slot) return `${svc}.${t.Slot}`;
  return `${svc}.${trunc ? '' : ''}${t.NodeID ?? ''}`;
}

function errorText(err: string | undefined, trunc: boolean): string {
  if (!err) return '';
  const e = trunc && [...err].length > 30 ? `${[...err].slice(0, 29).join('')}…` : err;
  return goQuote(e);
}

export function taskListing(
  tasks: readonly Task[],
  names: TaskNames,
  o: { trunc: boolean; now: number; resolve?: boolean },
): Listing {
  const sorted = [...tasks].sort(
    (a, b) =>
      naturalCompare(baseName(a, names, o.trunc), baseName(b, names, o.trunc)) ||
      Date.parse(b.CreatedAt) - Date.parse(a.CreatedAt),
  );
  let prev = '';
  const rows: Row[] = sorted.map((t) => {
    const name = baseName(t, names, o.trunc);
    const shown = name === prev ? ` \\_ ${name}` : name;
    prev = name;
    const node = t.NodeID ? (o.resolve === false ? t.NodeID : (names.nodes.get(t.NodeID) ?? t.NodeID)) : '';
    return {
      ID: shortId(t.ID, o.trunc),
      Name: shown,
      Image: o.trunc ? imageNoDigest(t.Spec.ContainerSpec?.Image) : (t.Spec.ContainerSpec?.Image ?? ''),
      Node: node,
      DesiredState: title(t.DesiredState),
      CurrentState: `${title(t.Status.State)} ${ago(t.Status.Timestamp, o.now)}`,
      Error: errorText(t.Status.Err, o.trunc),
      Ports: portsText(t.Status.PortStatus?.Ports),
      FullID: t.ID,
    };
  });
  return {
    columns:
      '{{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}',
    titles: {
      ID: 'ID',
      Name: 'NAME',
      Image: 'IMAGE',
      Node: 'NODE',
      DesiredState: 'DESIRED STATE',
      CurrentState: 'CURRENT STATE',
      Error: 'ERROR',
      Ports: 'PORTS',
    },
    rows,
    quiet: (r) => String(r.FullID),
    hidden: ['FullID'],
  };
}
