/**
 * Node: a member of the swarm. Spec (role, availability, labels) is the operator's;
 * Description and Status are reported by the node and observed by managers. Shaped as the
 * Engine API's Node.
 */
import type { Labels, Meta } from './meta.ts';
import type { Platform } from './task-spec.ts';

export type NodeRole = 'worker' | 'manager';
export type NodeAvailability = 'active' | 'pause' | 'drain';
export type NodeState = 'unknown' | 'down' | 'ready' | 'disconnected';
export type Reachability = 'unknown' | 'unreachable' | 'reachable';

export interface NodeSpec {
  Name?: string;
  Labels?: Labels;
  Role: NodeRole;
  Availability: NodeAvailability;
}

export interface NodeResources {
  NanoCPUs: number;
  MemoryBytes: number;
  GenericResources?: Array<{
    NamedResourceSpec?: { Kind: string; Value: string };
    DiscreteResourceSpec?: { Kind: string; Value: number };
  }>;
}

export interface NodeDescription {
  Hostname: string;
  Platform: Platform;
  Resources: NodeResources;
  Engine: { EngineVersion?: string; Labels?: Labels; Plugins?: Array<{ Type: string; Name: string }> };
  TLSInfo?: { TrustRoot?: string; CertIssuerSubject?: string; CertIssuerPublicKey?: string };
}

export interface NodeStatus {
  State: NodeState;
  Message?: string;
  /** The address the node was last seen at. */
  Addr?: string;
}

export interface ManagerStatus {
  Leader?: boolean;
  Reachability: Reachability;
  /** The manager's cluster address (host:2377). */
  Addr: string;
}

export interface Node extends Meta {
  Spec: NodeSpec;
  Description?: NodeDescription;
  Status: NodeStatus;
  ManagerStatus?: ManagerStatus;
}
