/**
 * Task: one attempt to run one container on one node. Desired state is written by
 * managers; Status (the observed state) by the agent running it, through the dispatcher.
 * Shaped as the Engine API's Task.
 */
import type { Labels, Meta } from './meta.ts';
import type { PortConfig } from './service.ts';
import type { GenericResource, TaskSpec } from './task-spec.ts';
import type { TaskState } from './task-state.ts';

export interface ContainerStatus {
  ContainerID?: string;
  PID?: number;
  ExitCode?: number;
}

export interface TaskStatus {
  Timestamp: string;
  State: TaskState;
  Message?: string;
  /** Why it failed or was rejected ("task: non-zero exit (1)", "no suitable node (…)"). */
  Err?: string;
  ContainerStatus?: ContainerStatus;
  /** Host-mode published ports of this task. */
  PortStatus?: { Ports?: PortConfig[] };
  /**
   * Shoal's own (not in Docker's API, which never shows it): where each target port of the
   * running task answers on its node, for the routing mesh of every node.
   */
  MeshEndpoints?: TaskEndpoint[];
}

/** A target port of a task and where it answers; an empty host means the node's address. */
export interface TaskEndpoint {
  TargetPort: number;
  Protocol: 'tcp' | 'udp' | 'sctp';
  Host: string;
  Port: number;
}

export interface NetworkAttachment {
  Network: { ID: string };
  /** Addresses in CIDR notation. */
  Addresses: string[];
}

export interface Task extends Meta {
  Name?: string;
  Labels?: Labels;
  Spec: TaskSpec;
  ServiceID: string;
  /** Replica number for replicated services; 0 for global ones (keyed by node). */
  Slot?: number;
  /** Empty until the scheduler assigns it. */
  NodeID?: string;
  AssignedGenericResources?: GenericResource[];
  Status: TaskStatus;
  DesiredState: TaskState;
  NetworksAttachments?: NetworkAttachment[];
  JobIteration?: { Index: number };
  /** The service spec version this task was created from (for "up to date" checks). */
  SpecVersion?: { Index: number };
  /** The service's name and labels when the task was created (container names, labels). */
  ServiceAnnotations?: { Name: string; Labels?: Labels };
  /** Ports allocated for this task's service (published ports filled in). */
  Endpoint?: { Ports?: PortConfig[] };
}

/** The name Docker shows for a task: `<service>.<slot>` or `<service>.<node id>`. */
export function taskName(serviceName: string, t: Pick<Task, 'Slot' | 'NodeID'>): string {
  return t.Slot ? `${serviceName}.${t.Slot}` : `${serviceName}.${t.NodeID ?? ''}`;
}
