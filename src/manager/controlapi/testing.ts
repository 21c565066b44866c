/**
 * Fixtures for the control API's tests: a ControlApi over a real, frozen, local
 * MemoryStore on a manual clock with seeded ids, and writers for what the control API
 * does not create itself (nodes join through the dispatcher, tasks come from the
 * orchestrators, the cluster object from `swarm init`).
 */
import assert from 'node:assert/strict';
import type { Node, NodeRole, NodeState } from '../../api/node.ts';
import type { Task } from '../../api/task.ts';
import { SeededRng } from '../../base/rng.ts';
import type { MemoryStore, NewObject } from '../../store/index.ts';
import { ManualClock, newCluster, newNode, newTask, testStore } from '../../store/testing.ts';
import type { RaftMembership } from './context.ts';
import { ControlApi } from './control-api.ts';
import { ControlApiError } from './errors.ts';

export interface Fixture {
  store: MemoryStore;
  clock: ManualClock;
  api: ControlApi;
}

export function setup(opts: { raft?: RaftMembership; cluster?: boolean } = {}): Fixture {
  const clock = new ManualClock();
  const store = testStore({ clock });
  const api = new ControlApi({
    store,
    clock,
    rng: new SeededRng(7),
    ...(opts.raft ? { raft: opts.raft } : {}),
  });
  return { store, clock, api };
}

export async function addCluster(f: Fixture): Promise<void> {
  await f.store.update((tx) => tx.clusters.create(newCluster('cluster00000000000000000001')));
}

export async function addNode(
  f: Fixture,
  id: string,
  hostname: string,
  o: {
    role?: NodeRole;
    state?: NodeState;
    labels?: Record<string, string>;
    engineLabels?: Record<string, string>;
  } = {},
): Promise<void> {
  const base = newNode(id, hostname) as NewObject<Node> & { Description: Node['Description'] };
  await f.store.update((tx) =>
    tx.nodes.create({
      ...base,
      Spec: { Role: o.role ?? 'worker', Availability: 'active', Labels: o.labels ?? {} },
      Status: { State: o.state ?? 'ready' },
      Description: {
        ...(base.Description as NonNullable<Node['Description']>),
        Engine: { Labels: o.engineLabels ?? {} },
      },
    }),
  );
}

export async function addTask(
  f: Fixture,
  id: string,
  serviceId: string,
  over: Partial<NewObject<Task>> = {},
) {
  await f.store.update((tx) => tx.tasks.create(newTask(id, serviceId, over)));
}

/** The spec `docker service create --name <name> nginx` sends (trimmed). */
export function spec(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Name: name, TaskTemplate: { ContainerSpec: { Image: 'nginx:1.27' } }, ...extra };
}

/** Asserts that `p` rejects with a ControlApiError of this code and exact message. */
export async function rejects(
  p: Promise<unknown>,
  code: ControlApiError['code'],
  message: string,
  httpStatus?: number,
): Promise<ControlApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ControlApiError, `not a ControlApiError: ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    if (httpStatus !== undefined) assert.equal(e.httpStatus, httpStatus);
    return e;
  }
  assert.fail(`expected a rejection: ${message}`);
}
