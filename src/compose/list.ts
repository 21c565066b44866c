/**
 * `stack ls`, `stack services`, `stack ps`: a stack is the set of objects carrying its
 * namespace label, so each is a label-filtered list. Printing is the CLI's business.
 */
import type { ServiceInfo, StackClient, TaskInfo } from './client.ts';
import { LABEL_NAMESPACE, stackFilter } from './namespace.ts';

export interface StackSummary {
  Name: string;
  Services: number;
}

/** Stacks with at least one service, by name (what `docker stack ls` shows). */
export async function listStacks(client: StackClient): Promise<StackSummary[]> {
  const counts = new Map<string, number>();
  for (const s of await client.listServices({ label: [LABEL_NAMESPACE] })) {
    const name = s.Spec.Labels?.[LABEL_NAMESPACE];
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .map(([Name, Services]) => ({ Name, Services }))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

/** The stack's services by name; empty when there is no such stack. */
export async function stackServices(client: StackClient, stack: string): Promise<ServiceInfo[]> {
  const services = await client.listServices(stackFilter(stack));
  return services.sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : a.Spec.Name > b.Spec.Name ? 1 : 0));
}

/** The stack's tasks (all of them, as `docker stack ps` without filters). */
export async function stackTasks(client: StackClient, stack: string): Promise<TaskInfo[]> {
  if (client.listTasks === undefined) throw new Error('this client cannot list tasks');
  return client.listTasks(stackFilter(stack));
}

/** What Docker says when a stack has nothing to show. */
export const nothingFound = (stack: string): string => `Nothing found in stack: ${stack}`;
