/**
 * The filter pipeline (swarmkit's filters, Nomad's feasibility checks): each filter says
 * whether a node can take a task and, when it cannot, how Docker words it. They run in
 * swarmkit's order and a node is counted against the first one it fails, so an explanation
 * reads `no suitable node (scheduling constraints not satisfied on 3 nodes; insufficient
 * resources on 1 node)`: fragments by descending count, ties in pipeline order.
 *
 * Static filters (ready, plugins, constraints, platform) depend only on the node object;
 * dynamic ones (resources, host ports, max replicas) change as tasks are placed, and are
 * the only ones re-checked on a node after it takes a task.
 */
import type { Platform } from '../../api/index.ts';
import { nodeMatchesConstraints } from '../../api/validate/constraint.ts';
import type { NodeInfo } from './nodeinfo.ts';
import type { Requirements } from './requirements.ts';
import { hasEnough } from './resources.ts';
import type { FilterFailure, FilterName } from './types.ts';

export interface Filter {
  readonly name: FilterName;
  /** Placing tasks can turn this filter's pass into a failure. */
  readonly dynamic: boolean;
  /** Does the filter apply to tasks with these requirements at all? */
  enabled(req: Requirements): boolean;
  check(req: Requirements, info: NodeInfo): boolean;
  /** Docker's words for a failure on `nodes` nodes. */
  explain(nodes: number): string;
}

const onNodes = (what: string) => (n: number) => `${what} on ${n} node${n === 1 ? '' : 's'}`;

const ready: Filter = {
  name: 'ready',
  dynamic: false,
  enabled: () => true,
  check: (_req, { node }) => node.Status.State === 'ready' && node.Spec.Availability === 'active',
  explain: (n) => (n === 1 ? '1 node not available for new tasks' : `${n} nodes not available for new tasks`),
};

const resources: Filter = {
  name: 'resources',
  dynamic: true,
  enabled: (req) => req.nanoCPUs > 0 || req.memoryBytes > 0 || req.genericAsk.size > 0,
  check(req, { available }) {
    if (req.nanoCPUs > available.nanoCPUs || req.memoryBytes > available.memoryBytes) return false;
    for (const [kind, count] of req.genericAsk) if (!hasEnough(available, kind, count)) return false;
    return true;
  },
  explain: onNodes('insufficient resources'),
};

/** [type seen on the node, plugin present]; `name` also matches `name:latest`. */
function plugin(info: NodeInfo, type: string, name: string): [boolean, boolean] {
  let typeFound = false;
  for (const p of info.node.Description?.Engine?.Plugins ?? []) {
    if (p.Type !== type) continue;
    typeFound = true;
    if (p.Name === name || p.Name === `${name}:latest`) return [true, true];
  }
  return [typeFound, false];
}

const plugins: Filter = {
  name: 'plugins',
  dynamic: false,
  enabled: (req) => req.volumeDrivers.length > 0 || req.logDriver !== undefined,
  check(req, info) {
    if (info.node.Description?.Engine === undefined) return true; // not an Engine: nothing reported
    for (const d of req.volumeDrivers) if (!plugin(info, 'Volume', d)[1]) return false;
    if (req.logDriver !== undefined) {
      // A node that reports no log drivers at all is an older engine: don't hold it against it.
      const [typeFound, found] = plugin(info, 'Log', req.logDriver);
      if (typeFound && !found) return false;
    }
    return true;
  },
  explain: onNodes('missing plugin'),
};

const constraints: Filter = {
  name: 'constraints',
  dynamic: false,
  enabled: (req) => req.constraints.length > 0,
  check: (req, info) => nodeMatchesConstraints(req.constraints, info.node),
  explain: onNodes('scheduling constraints not satisfied'),
};

const ARCH_ALIASES: Readonly<Record<string, string>> = { x86_64: 'amd64', aarch64: 'arm64' };
const arch = (a: string | undefined) => (a ? (ARCH_ALIASES[a] ?? a) : '');

function platformMatches(wanted: Platform, node: Platform): boolean {
  const a = arch(wanted.Architecture);
  return (a === '' || a === arch(node.Architecture)) && (!wanted.OS || wanted.OS === node.OS);
}

const platform: Filter = {
  name: 'platform',
  dynamic: false,
  enabled: (req) => req.platforms.length > 0,
  check(req, info) {
    const p = info.node.Description?.Platform;
    return p !== undefined && req.platforms.some((w) => platformMatches(w, p));
  },
  explain: onNodes('unsupported platform'),
};

const hostPorts: Filter = {
  name: 'host-ports',
  dynamic: true,
  enabled: (req) => req.hostPorts.length > 0,
  check: (req, info) => !req.hostPorts.some((p) => info.hostPortInUse(p)),
  explain: onNodes('host-mode port already in use'),
};

const maxReplicas: Filter = {
  name: 'max-replicas',
  dynamic: true,
  enabled: (req) => req.maxReplicas > 0,
  check: (req, info) => info.tasksOf(req.serviceId) < req.maxReplicas,
  explain: () => 'max replicas per node limit exceed',
};

/** The pipeline, in swarmkit's order (readiness first). */
export const FILTERS: readonly Filter[] = [
  ready,
  resources,
  plugins,
  constraints,
  platform,
  hostPorts,
  maxReplicas,
];

const byName = new Map(FILTERS.map((f, i) => [f.name, { f, i }]));

/** The filters that apply to one task group, ready to run against nodes. */
export class Pipeline {
  private readonly all: readonly Filter[];
  private readonly dynamic: readonly Filter[];

  constructor(readonly req: Requirements) {
    this.all = FILTERS.filter((f) => f.enabled(req));
    this.dynamic = this.all.filter((f) => f.dynamic);
  }

  /** The first filter the node fails, or undefined when it can take the task. */
  firstFailure(info: NodeInfo): FilterName | undefined {
    for (const f of this.all) if (!f.check(this.req, info)) return f.name;
    return undefined;
  }

  passes(info: NodeInfo): boolean {
    for (const f of this.all) if (!f.check(this.req, info)) return false;
    return true;
  }

  /** After a task landed on a node that passed: can it take one more? */
  stillFits(info: NodeInfo): boolean {
    for (const f of this.dynamic) if (!f.check(this.req, info)) return false;
    return true;
  }

  /** Per filter, how many of `nodes` it rules out first; most first, ties in pipeline order. */
  failures(nodes: Iterable<NodeInfo>): FilterFailure[] {
    const counts = new Map<FilterName, number>();
    for (const info of nodes) {
      const f = this.firstFailure(info);
      if (f !== undefined) counts.set(f, (counts.get(f) ?? 0) + 1);
    }
    return sortFailures([...counts].map(([filter, nodes]) => ({ filter, nodes })));
  }
}

export function sortFailures(failures: FilterFailure[]): FilterFailure[] {
  const pos = (n: FilterName) => byName.get(n)?.i ?? 0;
  return failures.sort((a, b) => b.nodes - a.nodes || pos(a.filter) - pos(b.filter));
}

/** `scheduling constraints not satisfied on 3 nodes; insufficient resources on 1 node` */
export function explain(failures: readonly FilterFailure[]): string {
  return failures.map((x) => byName.get(x.filter)?.f.explain(x.nodes) ?? x.filter).join('; ');
}

/** Task.Status.Err for a task no node can take. */
export function noSuitableNode(failures: readonly FilterFailure[]): string {
  return failures.length > 0 ? `no suitable node (${explain(failures)})` : 'no suitable node';
}
