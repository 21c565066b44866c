/**
 * What a decision to write leaves behind: how to finish it once the store has applied the
 * write (`confirm`: the releases it deferred, the wake keys of what it made possible) and
 * how to undo its claims if the write failed for sure (`revert`). Values, not closures:
 * a pass of 100,000 tasks makes 100,000 of them.
 *
 * Releases wait for the confirmation because until then the store still shows the old
 * allocation: a port or address dropped by a plan is not free before the plan is stored.
 */
import type { NetworkRecord } from './networks.ts';
import {
  type Address,
  type AllocationState,
  type HeldPort,
  type ServiceRecord,
  type TaskRecord,
  wake,
} from './state.ts';

export interface Commit {
  confirm(): string[];
  revert(): void;
}

export class NetworkCommit implements Commit {
  constructor(
    private readonly st: AllocationState,
    private readonly record: NetworkRecord,
    private readonly name: string,
    private readonly ingress: boolean,
  ) {}

  confirm(): string[] {
    this.record.committed = true;
    // services may name the network rather than give its id
    const keys = [wake.network(this.record.id), wake.network(this.name)];
    if (this.ingress) keys.push(wake.ingress);
    return keys;
  }

  revert(): void {
    this.st.releaseNetwork(this.record.id);
  }
}

export class ServiceCommit implements Commit {
  constructor(
    private readonly st: AllocationState,
    private readonly id: string,
    private readonly prev: ServiceRecord,
    private readonly next: ServiceRecord,
    /** Ports and VIPs the plan took that `prev` did not hold. */
    private readonly addedPorts: readonly HeldPort[],
    private readonly addedVips: readonly Address[],
  ) {}

  confirm(): string[] {
    this.st.serviceStatus.set(this.id, { kind: 'ok' });
    return [...this.release(), wake.service(this.id)];
  }

  /** Frees what the previous plan held and this one does not; the wake keys. */
  release(): string[] {
    const { st, id, prev, next } = this;
    const droppedPorts = prev.ports.filter((p) => !holds(next.ports, p));
    const droppedVips = prev.vips.filter((a) => !next.vips.includes(a));
    return [...st.releasePorts(id, droppedPorts), ...st.releaseAddresses(droppedVips)];
  }

  revert(): void {
    this.st.releasePorts(this.id, this.addedPorts);
    this.st.releaseAddresses(this.addedVips);
    this.st.services.set(this.id, this.prev);
  }
}

export class TaskCommit implements Commit {
  constructor(
    private readonly st: AllocationState,
    private readonly id: string,
    private readonly prev: TaskRecord | undefined,
    private readonly added: readonly Address[],
    private readonly dropped: readonly Address[],
  ) {}

  confirm(): string[] {
    return this.dropped.length > 0 ? this.st.releaseAddresses(this.dropped) : [];
  }

  revert(): void {
    if (this.added.length > 0) this.st.releaseAddresses(this.added);
    if (this.prev) this.st.tasks.set(this.id, this.prev);
    else this.st.tasks.delete(this.id);
  }
}

export const holds = (list: readonly HeldPort[], p: HeldPort): boolean =>
  list.some((q) => q.protocol === p.protocol && q.port === p.port);
