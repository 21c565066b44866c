/**
 * Nodes: no create (nodes join through the CA and the dispatcher), get, list, update of
 * the operator's NodeSpec (role, availability, name, labels) at a version, and remove.
 *
 *   update   role/availability names (moby: `invalid Role: "x"`) ─► resolve ─► demotion
 *            rules (swarmkit): not the last manager; with Raft membership wired, the node
 *            must be a member and removing it must keep quorum ─► write at `version`
 *   remove   a manager (desired role) that is still a Raft member: `node <id> is a cluster
 *            manager and is a member of the raft cluster. It must be demoted to worker
 *            before removal`; a ready node without force: `node <id> is not down and can't
 *            be removed`; both FailedPrecondition, with the full id as swarmkit words them.
 *            (swarmkit also blacklists the node's certificate: the CA layer's concern.)
 *   filters  id and name (hostname) by prefix, label (engine labels), node.label (the
 *            operator's labels), role and membership (`Invalid role filter: 'x'`)
 */
import type { Node, NodeRole, NodeSpec } from '../../api/node.ts';
import { normalizeNodeSpec, validateNodeSpec } from '../../api/validate/index.ts';
import type { Stored } from '../../store/index.ts';
import { type ControlContext, checkedVersion, resolve } from './context.ts';
import { daemonError, rpcError, storeWrite, throwProblems } from './errors.ts';
import { type FilterInput, Filters } from './filters.ts';

const ACCEPTED = ['name', 'id', 'label', 'role', 'membership', 'node.label'] as const;

export function getNode(ctx: ControlContext, ref: string): Stored<Node> {
  return ctx.store.view((tx) => resolve(tx.nodes, ref));
}

function roles(f: Filters): NodeRole[] {
  const out: NodeRole[] = [];
  for (const r of f.get('role')) {
    const role = r.toLowerCase();
    if (role === 'worker' || role === 'manager') out.push(role);
    else if (r !== '') throw daemonError('invalid_argument', `Invalid role filter: '${r}'`, 500);
  }
  return out;
}

/** Every node in the store is accepted: Shoal has no manual acceptance (Docker since 1.13). */
function memberships(f: Filters): string[] {
  const out: string[] = [];
  for (const m of f.get('membership')) {
    const membership = m.toLowerCase();
    if (membership === 'accepted' || membership === 'pending') out.push(membership);
    else if (m !== '') throw daemonError('invalid_argument', `Invalid membership filter: '${m}'`, 500);
  }
  return out;
}

export function listNodes(ctx: ControlContext, opts: { filters?: FilterInput } = {}): Stored<Node>[] {
  const f = Filters.parse(opts.filters).validate(ACCEPTED);
  const wantRoles = roles(f);
  const wantMemberships = memberships(f);
  return ctx.store.view((tx) =>
    tx.nodes
      .all()
      .filter(
        (n) =>
          f.prefix('id', n.ID) &&
          (!f.has('name') || (n.Description !== undefined && f.prefix('name', n.Description.Hostname))) &&
          (!f.has('label') ||
            (n.Description !== undefined && f.labels('label', n.Description.Engine.Labels))) &&
          f.labels('node.label', n.Spec.Labels) &&
          (wantRoles.length === 0 || wantRoles.includes(n.Spec.Role)) &&
          (wantMemberships.length === 0 || wantMemberships.includes('accepted')),
      )
      .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0)),
  );
}

/** The fields of a NodeSpec Docker keeps (moby's NodeSpecToGRPC), role and availability folded. */
function storedSpec(raw: NodeSpec): NodeSpec {
  const s = normalizeNodeSpec(raw);
  return {
    ...(s.Name ? { Name: s.Name } : {}),
    Labels: { ...(s.Labels ?? {}) },
    Role: s.Role,
    Availability: s.Availability,
  };
}

export async function updateNode(
  ctx: ControlContext,
  ref: string,
  version: number,
  raw: unknown,
): Promise<Stored<Node>> {
  checkedVersion(version);
  throwProblems(validateNodeSpec(raw));
  const spec = storedSpec(raw as NodeSpec);
  let id = '';
  await storeWrite(() =>
    ctx.store.update((tx) => {
      const cur = resolve(tx.nodes, ref);
      id = cur.ID;
      const managerCount = tx.nodes.byRole('manager').length;
      throwProblems(validateNodeSpec(raw, { existing: cur, managerCount }));
      if (cur.Spec.Role === 'manager' && spec.Role === 'worker' && ctx.raft !== undefined) {
        if (!ctx.raft.isMember(id))
          throw rpcError('not_found', 'NotFound', "can't find manager in raft memberlist");
        if (!ctx.raft.canRemove(id)) {
          const msg = "can't remove member from the raft: this would result in a loss of quorum";
          throw rpcError('failed_precondition', 'FailedPrecondition', msg);
        }
      }
      tx.nodes.update(Object.assign({}, cur, { Spec: spec, Version: { Index: version } }));
    }),
  );
  ctx.log.info({ node: id, role: spec.Role, availability: spec.Availability }, 'node updated');
  return getNode(ctx, id);
}

export async function removeNode(
  ctx: ControlContext,
  ref: string,
  opts: { force?: boolean } = {},
): Promise<void> {
  const { ID: id } = getNode(ctx, ref);
  await storeWrite(() =>
    ctx.store.update((tx) => {
      const node = tx.nodes.get(id);
      if (node === undefined) throw rpcError('not_found', 'NotFound', `node ${id} not found`);
      if (node.Spec.Role === 'manager' && (ctx.raft === undefined || ctx.raft.isMember(id))) {
        const msg = `node ${id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`;
        throw rpcError('failed_precondition', 'FailedPrecondition', msg);
      }
      if (!opts.force && node.Status.State === 'ready') {
        throw rpcError(
          'failed_precondition',
          'FailedPrecondition',
          `node ${id} is not down and can't be removed`,
        );
      }
      tx.nodes.delete(id);
      // Its certificate stays valid until it expires: remember the node so the cluster
      // RPC refuses it (swarmkit's RemovedNodes).
      const cluster = tx.clusters.current();
      if (cluster && !(cluster.RemovedNodes ?? []).includes(id)) {
        tx.clusters.update(cluster, { RemovedNodes: [...(cluster.RemovedNodes ?? []), id] });
      }
    }),
  );
  ctx.log.info({ node: id, force: opts.force === true }, 'node removed');
}
