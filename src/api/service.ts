/**
 * Service: the user's declaration, with its Spec (written only by the user), the previous
 * spec (for rollback), the endpoint the allocator filled in, and the rolling update's
 * status. Shaped as the Engine API's Service.
 */
import type { Annotations, Meta, Nanoseconds } from './meta.ts';
import type { NetworkAttachmentConfig, TaskSpec } from './task-spec.ts';

export interface ServiceMode {
  Replicated?: { Replicas?: number };
  Global?: Record<string, never>;
  ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
  GlobalJob?: Record<string, never>;
}

export type ServiceModeName = 'replicated' | 'global' | 'replicated-job' | 'global-job';

export type FailureAction = 'continue' | 'pause' | 'rollback';
export type UpdateOrder = 'stop-first' | 'start-first';

export interface UpdateConfig {
  /** Tasks updated at once; 0 means all at once. */
  Parallelism?: number;
  Delay?: Nanoseconds;
  FailureAction?: FailureAction;
  Monitor?: Nanoseconds;
  MaxFailureRatio?: number;
  Order?: UpdateOrder;
}

export type PortProtocol = 'tcp' | 'udp' | 'sctp';
export type PublishMode = 'ingress' | 'host';

export interface PortConfig {
  Name?: string;
  Protocol?: PortProtocol;
  TargetPort: number;
  /** 0 or absent with ingress mode: auto-assigned from 30000-32767. */
  PublishedPort?: number;
  PublishMode?: PublishMode;
}

export interface EndpointSpec {
  Mode?: 'vip' | 'dnsrr';
  Ports?: PortConfig[];
}

export interface ServiceSpec extends Annotations {
  TaskTemplate: TaskSpec;
  Mode?: ServiceMode;
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  /** Deprecated in the Engine API: TaskTemplate.Networks is used instead. */
  Networks?: NetworkAttachmentConfig[];
  EndpointSpec?: EndpointSpec;
}

export interface VirtualIP {
  NetworkID: string;
  /** CIDR notation, e.g. 10.0.0.5/24. */
  Addr: string;
}

export interface Endpoint {
  Spec: EndpointSpec;
  /** The ports as allocated (published ports filled in). */
  Ports?: PortConfig[];
  VirtualIPs?: VirtualIP[];
}

export type UpdateState =
  | 'updating'
  | 'paused'
  | 'completed'
  | 'rollback_started'
  | 'rollback_paused'
  | 'rollback_completed';

export interface UpdateStatus {
  State: UpdateState;
  StartedAt?: string;
  CompletedAt?: string;
  Message?: string;
}

export interface JobStatus {
  JobIteration: { Index: number };
  LastExecution?: string;
}

export interface Service extends Meta {
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  Endpoint?: Endpoint;
  UpdateStatus?: UpdateStatus;
  JobStatus?: JobStatus;
  /** Version index of the spec: bumped only when Spec changes (tasks record it). */
  SpecVersion?: { Index: number };
}

export function serviceMode(spec: Pick<ServiceSpec, 'Mode'>): ServiceModeName {
  const m = spec.Mode;
  if (m?.Global) return 'global';
  if (m?.ReplicatedJob) return 'replicated-job';
  if (m?.GlobalJob) return 'global-job';
  return 'replicated';
}

export function isJob(spec: Pick<ServiceSpec, 'Mode'>): boolean {
  const m = serviceMode(spec);
  return m === 'replicated-job' || m === 'global-job';
}

export function isGlobal(spec: Pick<ServiceSpec, 'Mode'>): boolean {
  const m = serviceMode(spec);
  return m === 'global' || m === 'global-job';
}

/** Replicas wanted (replicated services; 1 when unset, as Docker). */
export function replicas(spec: Pick<ServiceSpec, 'Mode'>): number {
  return spec.Mode?.Replicated?.Replicas ?? 1;
}
