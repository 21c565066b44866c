/**
 * Test fixtures for agents (tests only): a real Agent on a FakeExecutor, wired to the
 * session harness of src/manager/dispatcher/testkit.ts (managers over one store, on
 * virtual time), and tasks whose fake durations make every state visible.
 */
import type { Task } from '../api/task.ts';
import { SeededRng } from '../base/rng.ts';
import { FakeExecutor } from '../executor/fake/executor.ts';
import { FakeRegistry } from '../executor/fake/registry.ts';
import { assignedTask, type Harness } from '../manager/dispatcher/testkit.ts';
import type { NewObject } from '../store/types.ts';
import { Agent, type AgentOptions } from './agent.ts';

export interface TestAgent {
  agent: Agent;
  executor: FakeExecutor;
  addr: string;
}

let seed = 0;

/** A started agent for node `nodeId` (its executor shared with a restarted agent if given). */
export async function startAgent(
  h: Harness,
  nodeId: string,
  opts: Partial<AgentOptions> & { executor?: FakeExecutor; registry?: FakeRegistry } = {},
): Promise<TestAgent> {
  seed++;
  const executor =
    opts.executor ??
    new FakeExecutor({
      clock: h.clock,
      rng: new SeededRng(seed),
      hostname: nodeId,
      registry: opts.registry ?? new FakeRegistry(),
    });
  const addr = `10.0.1.${nodeId.replace(/\D/g, '') || '1'}`;
  const agent = new Agent({
    nodeId,
    executor,
    dialer: h.net.dialer({ addr }),
    managers: ['m1:2377'],
    clock: h.clock,
    rng: new SeededRng(1000 + seed),
    ...opts,
  });
  await agent.start();
  return { agent, executor, addr };
}

/** Fake step durations long enough for each state to reach the store on its own. */
export const SLOW = {
  'shoal.fake.prepare-ms': '300',
  'shoal.fake.start-ms': '300',
  'shoal.fake.stop-ms': '200',
};

/** An ASSIGNED task for `nodeId` whose fake container takes `labels` into account. */
export function fakeTask(
  id: string,
  nodeId: string,
  labels: Record<string, string> = {},
  over: Partial<NewObject<Task>> = {},
): NewObject<Task> {
  return assignedTask(id, nodeId, {
    Spec: { ContainerSpec: { Image: 'nginx:1.27', Labels: labels, StopGracePeriod: 2e9 } },
    ...over,
  });
}
