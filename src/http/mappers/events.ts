/**
 * Store changes as Docker's swarm events (moby daemon/events.go, generateClusterEvent):
 * services, nodes, networks, secrets and configs; create / update / remove; scope swarm;
 * Actor.ID the object's id and Actor.Attributes:
 *
 *   every type  name (a node: Spec.Name, else its hostname)
 *   service     image.old/new, replicas.old/new (replicated to replicated),
 *               updatestate.new (and .old when there was one) on an update
 *   node        availability.old/new, role.old/new (the desired role), state.old/new,
 *               leader.old/new and reachability.old/new between two manager statuses
 *
 * Time: the object's CreatedAt (create) or UpdatedAt (update); removes have none in the
 * store, so they take `nowMs`. Tasks and the cluster object raise no events, as in Docker.
 */
import type { Node } from '../../api/node.ts';
import type { Service } from '../../api/service.ts';
import type { Stored, StoreEvent } from '../../store/index.ts';
import type { EventMessage } from '../backend.ts';

const TYPE: Partial<Record<StoreEvent['table'], string>> = {
  services: 'service',
  nodes: 'node',
  networks: 'network',
  secrets: 'secret',
  configs: 'config',
};

const ACTION = { create: 'create', update: 'update', delete: 'remove' } as const;

function nodeAttributes(n: Stored<Node>, old: Stored<Node> | undefined, a: Record<string, string>): void {
  if (old === undefined) return;
  const pair = (key: string, o: string, v: string) => {
    if (o !== v) {
      a[`${key}.old`] = o;
      a[`${key}.new`] = v;
    }
  };
  pair('availability', old.Spec.Availability, n.Spec.Availability);
  pair('role', old.Spec.Role, n.Spec.Role);
  pair('state', old.Status.State, n.Status.State);
  if (n.ManagerStatus !== undefined && old.ManagerStatus !== undefined) {
    pair('leader', String(old.ManagerStatus.Leader ?? false), String(n.ManagerStatus.Leader ?? false));
    pair('reachability', old.ManagerStatus.Reachability, n.ManagerStatus.Reachability);
  }
}

function serviceAttributes(
  s: Stored<Service>,
  old: Stored<Service> | undefined,
  a: Record<string, string>,
): void {
  if (old === undefined) return;
  const image = s.Spec.TaskTemplate.ContainerSpec?.Image;
  const oldImage = old.Spec.TaskTemplate.ContainerSpec?.Image;
  if (image !== undefined && oldImage !== undefined && image !== oldImage) {
    a['image.old'] = oldImage;
    a['image.new'] = image;
  }
  const r = s.Spec.Mode?.Replicated;
  const oldR = old.Spec.Mode?.Replicated;
  if (r !== undefined && oldR !== undefined && (r.Replicas ?? 1) !== (oldR.Replicas ?? 1)) {
    a['replicas.old'] = String(oldR.Replicas ?? 1);
    a['replicas.new'] = String(r.Replicas ?? 1);
  }
  if (s.UpdateStatus !== undefined) {
    if (old.UpdateStatus === undefined) a['updatestate.new'] = s.UpdateStatus.State;
    else if (old.UpdateStatus.State !== s.UpdateStatus.State) {
      a['updatestate.old'] = old.UpdateStatus.State;
      a['updatestate.new'] = s.UpdateStatus.State;
    }
  }
}

function message(e: StoreEvent, nowMs: number): EventMessage | undefined {
  const type = TYPE[e.table];
  if (type === undefined) return undefined;
  const o = e.object as Stored<{ ID: string; CreatedAt: string; UpdatedAt: string; Spec: { Name?: string } }>;
  const attributes: Record<string, string> = { name: o.Spec.Name ?? '' };
  if (e.table === 'nodes') {
    attributes.name = e.object.Spec.Name || e.object.Description?.Hostname || '';
    if (e.kind === 'update') nodeAttributes(e.object, e.old, attributes);
  }
  if (e.table === 'services' && e.kind === 'update') serviceAttributes(e.object, e.old, attributes);
  const ms =
    e.kind === 'create' ? Date.parse(o.CreatedAt) : e.kind === 'update' ? Date.parse(o.UpdatedAt) : nowMs;
  const at = Number.isFinite(ms) ? ms : nowMs;
  return {
    Type: type,
    Action: ACTION[e.kind],
    Actor: { ID: o.ID, Attributes: attributes },
    scope: 'swarm',
    time: Math.floor(at / 1000),
    timeNano: at * 1_000_000,
  };
}

const MESH_PROBLEM = /(\d+\/(?:tcp|udp)) of service (\S+) \((\w+)\): ([^;]*)/g;

/**
 * A node whose routing mesh cannot open a published port says so in its status message
 * (the dispatcher writes "routing mesh: 8080/tcp of service web (<id>): listen EADDRINUSE
 * ..."); each new such problem is also a service event, so `docker events --filter
 * type=service` shows it.
 */
function meshProblemEvents(e: StoreEvent, nowMs: number): EventMessage[] {
  if (e.table !== 'nodes' || e.kind !== 'update') return [];
  const now = e.object.Status.Message ?? '';
  const before = e.old?.Status.Message ?? '';
  if (now === before || !now.startsWith('routing mesh:')) return [];
  const node = e.object.Spec.Name || e.object.Description?.Hostname || e.object.ID;
  const out: EventMessage[] = [];
  for (const [text, port, name, id, err] of now.matchAll(MESH_PROBLEM)) {
    if (before.includes(text)) continue;
    out.push({
      Type: 'service',
      Action: 'update',
      Actor: {
        ID: id as string,
        Attributes: {
          name: name as string,
          'mesh.port': port as string,
          'mesh.node': node,
          'mesh.error': (err as string).trim(),
        },
      },
      scope: 'swarm',
      time: Math.floor(nowMs / 1000),
      timeNano: nowMs * 1_000_000,
    });
  }
  return out;
}

export function storeEventsToMessages(events: readonly StoreEvent[], nowMs: number): EventMessage[] {
  const out: EventMessage[] = [];
  for (const e of events) {
    const m = message(e, nowMs);
    if (m !== undefined) out.push(m);
    out.push(...meshProblemEvents(e, nowMs));
  }
  return out;
}
