/**
 * Network: a swarm-scoped network (overlay), as swarmkit keeps it. The HTTP layer shows it
 * in the Engine API's Network shape.
 */
import type { Annotations, Meta } from './meta.ts';

export interface IPAMConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
}

export interface NetworkSpec extends Annotations {
  DriverConfiguration?: { Name: string; Options?: Record<string, string> };
  IPv6Enabled?: boolean;
  Internal?: boolean;
  Attachable?: boolean;
  /** The routing mesh's network. */
  Ingress?: boolean;
  IPAMOptions?: { Driver?: { Name: string; Options?: Record<string, string> }; Configs?: IPAMConfig[] };
  Scope?: 'swarm';
}

export interface Network extends Meta {
  Spec: NetworkSpec;
  DriverState?: { Name: string; Options?: Record<string, string> };
  /** Subnets as allocated. */
  IPAMOptions?: { Driver?: { Name: string }; Configs?: IPAMConfig[] };
}
