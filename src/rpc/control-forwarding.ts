/**
 * ForwardingControl: the `Control` a follower manager's HTTP layer uses. Each call goes
 * to the leader's Control service and comes back as the leader's result, or as the very
 * error it raised (a 409 "name conflicts with an existing object" stays a 409 with
 * Docker's words), so `docker service create` works on any manager.
 *
 *   follower HTTP ─▶ ForwardingControl.createService(spec)
 *                      ─▶ leader() address ─▶ Control.Call{method, args JSON} ─▶ leader's ControlApi
 *                      ◀─ result JSON | error (code, message, detail, HTTP status, rpc, problems)
 *
 * No leader known: Docker's "The swarm does not have a leader..." (500). The manager
 * reached is not the leader any more: ask leader() again and retry (the call did not run),
 * up to `attempts`. The leader unreachable or too slow: a 503 / 504 ControlApiError (the
 * call may or may not have run; it is not retried).
 */
import * as grpc from '@grpc/grpc-js';
import type { Cluster } from '../api/cluster.ts';
import type { Network } from '../api/network.ts';
import type { Node } from '../api/node.ts';
import type { Config, Secret } from '../api/secret.ts';
import type { Service } from '../api/service.ts';
import type { Task } from '../api/task.ts';
import { type Clock, realClock } from '../base/clock.ts';
import type { ErrorCode } from '../base/errors.ts';
import { type Logger, nullLogger } from '../base/logger.ts';
import { type CallResponse, ControlClient } from '../gen/shoal/control/v1/control.ts';
import type { ClusterUpdateFlags } from '../manager/controlapi/cluster.ts';
import type { Control, ListOptions } from '../manager/controlapi/control-api.ts';
import { ControlApiError, type RpcCode, rpcError } from '../manager/controlapi/errors.ts';
import type { ServiceListItem, ServiceListOptions } from '../manager/controlapi/service-read.ts';
import type { ServiceUpdateOptions } from '../manager/controlapi/service-write.ts';
import type { Stored } from '../store/index.ts';
import type { RpcChannels } from './channels.ts';
import { type ControlMethod, decodeError, decodeJson, encodeJson } from './control-codec.ts';
import { type RpcError, rpcErrorFrom } from './status.ts';

/** Docker's words when no manager leads (swarmkit's raftselector error, through moby). */
export const NO_LEADER =
  "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

export interface ForwardingControlOptions {
  channels: RpcChannels;
  /** The leader's cluster address (host:2377) now; undefined during an election. */
  leader: () => string | undefined;
  /** Per call (default 30 s: a write waits for its Raft commit). */
  timeoutMs?: number;
  /** Tries when the manager reached is not the leader (default 3), `retryDelayMs` apart. */
  attempts?: number;
  retryDelayMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * A call that failed below the control API, in Docker's words: the gRPC status text
 * swarmkit's proxy would have passed on, and moby's HTTP status for that code.
 */
function transportError(e: RpcError): ControlApiError {
  const as = (code: ErrorCode, name: string, http: number, rpc?: RpcCode) =>
    new ControlApiError(code, `rpc error: code = ${name} desc = ${e.details}`, e.details, http, rpc, [], {
      cause: e,
    });
  switch (e.status) {
    case grpc.status.PERMISSION_DENIED:
      return as('failed_precondition', 'PermissionDenied', 403, 'PermissionDenied');
    case grpc.status.UNAUTHENTICATED:
      return as('failed_precondition', 'Unauthenticated', 401);
    case grpc.status.DEADLINE_EXCEEDED:
      return as('timeout', 'DeadlineExceeded', 504);
    case grpc.status.UNAVAILABLE:
      return as('unavailable', 'Unavailable', 503);
    case grpc.status.UNIMPLEMENTED:
      return as('failed_precondition', 'Unimplemented', 501, 'Unimplemented');
    default:
      return as('internal', 'Unknown', 500, 'Unknown');
  }
}

export class ForwardingControl implements Control {
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: ForwardingControlOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? nullLogger).child({ component: 'control-forwarding' });
  }

  createService = (spec: unknown) => this.call<Stored<Service>>('createService', [spec]);
  getService = (ref: string, opts?: { insertDefaults?: boolean }) =>
    this.call<Stored<Service>>('getService', [ref, opts]);
  listServices = (opts?: ServiceListOptions) => this.call<ServiceListItem[]>('listServices', [opts]);
  updateService = (ref: string, version: number, spec: unknown, opts?: ServiceUpdateOptions) =>
    this.call<Stored<Service>>('updateService', [ref, version, spec, opts]);
  removeService = (ref: string) => this.call<void>('removeService', [ref]);

  getNode = (ref: string) => this.call<Stored<Node>>('getNode', [ref]);
  listNodes = (opts?: ListOptions) => this.call<Stored<Node>[]>('listNodes', [opts]);
  updateNode = (ref: string, version: number, spec: unknown) =>
    this.call<Stored<Node>>('updateNode', [ref, version, spec]);
  removeNode = (ref: string, opts?: { force?: boolean }) => this.call<void>('removeNode', [ref, opts]);

  createNetwork = (spec: unknown) => this.call<Stored<Network>>('createNetwork', [spec]);
  getNetwork = (ref: string) => this.call<Stored<Network>>('getNetwork', [ref]);
  listNetworks = (opts?: ListOptions) => this.call<Stored<Network>[]>('listNetworks', [opts]);
  removeNetwork = (ref: string) => this.call<void>('removeNetwork', [ref]);

  createSecret = (spec: unknown) => this.call<Stored<Secret>>('createSecret', [spec]);
  getSecret = (ref: string) => this.call<Stored<Secret>>('getSecret', [ref]);
  listSecrets = (opts?: ListOptions) => this.call<Stored<Secret>[]>('listSecrets', [opts]);
  updateSecret = (ref: string, version: number, spec: unknown) =>
    this.call<Stored<Secret>>('updateSecret', [ref, version, spec]);
  removeSecret = (ref: string) => this.call<void>('removeSecret', [ref]);

  createConfig = (spec: unknown) => this.call<Stored<Config>>('createConfig', [spec]);
  getConfig = (ref: string) => this.call<Stored<Config>>('getConfig', [ref]);
  listConfigs = (opts?: ListOptions) => this.call<Stored<Config>[]>('listConfigs', [opts]);
  updateConfig = (ref: string, version: number, spec: unknown) =>
    this.call<Stored<Config>>('updateConfig', [ref, version, spec]);
  removeConfig = (ref: string) => this.call<void>('removeConfig', [ref]);

  getCluster = () => this.call<Stored<Cluster>>('getCluster', []);
  updateCluster = (version: number, spec: unknown, flags?: ClusterUpdateFlags) =>
    this.call<Stored<Cluster>>('updateCluster', [version, spec, flags]);

  getTask = (ref: string) => this.call<Stored<Task>>('getTask', [ref]);
  listTasks = (opts?: ListOptions) => this.call<Stored<Task>[]>('listTasks', [opts]);

  joinRaft = (nodeId: string, raftId: string, addr: string) =>
    this.call<Array<{ raftId: string; addr: string }>>('joinRaft', [nodeId, raftId, addr]);

  private async call<R>(method: ControlMethod, args: unknown[]): Promise<R> {
    const attempts = this.opts.attempts ?? 3;
    const argsJson = encodeJson(args);
    for (let attempt = 1; ; attempt++) {
      const addr = this.opts.leader();
      if (addr === undefined) throw rpcError('unavailable', 'Unknown', NO_LEADER);
      const r = await this.once(addr, method, argsJson);
      if ('transport' in r) throw transportError(r.transport);
      if (r.error === undefined) return decodeJson(r.resultJson) as R;
      const e = decodeError(r.error);
      if (e.code !== 'not_leader') throw e;
      this.log.debug({ method, addr, attempt }, 'forwarded to a manager that is not the leader');
      if (attempt >= attempts) throw rpcError('unavailable', 'Unknown', NO_LEADER, e);
      await new Promise<void>((ok) => this.clock.setTimeout(ok, this.opts.retryDelayMs ?? 200));
    }
  }

  private once(
    addr: string,
    method: ControlMethod,
    argsJson: Uint8Array,
  ): Promise<{ transport: RpcError } | CallResponse> {
    let client: ControlClient;
    try {
      client = this.opts.channels.client(addr, ControlClient);
    } catch (e) {
      return Promise.resolve({ transport: rpcErrorFrom(e, `control call to ${addr}`) });
    }
    const deadline = new Date(this.clock.wallNow() + (this.opts.timeoutMs ?? 30_000));
    return new Promise((resolve) => {
      client.call({ method, argsJson }, new grpc.Metadata(), { deadline }, (err, res) => {
        if (err !== null) {
          this.log.warn({ method, addr, error: err.details }, 'control forwarding failed');
          resolve({ transport: rpcErrorFrom(err, `leader ${addr}`) });
        } else resolve(res);
      });
    });
  }
}
