/**
 * ManagerList: the managers an agent knows, and which one to try next. It starts with the
 * addresses the node joined with and is replaced by the list each session brings (the
 * leader first). A redirect ("not the leader; the leader is X") makes X the next try;
 * otherwise a failed manager passes the turn to the next one in the list (fail-over).
 */
import type { ManagerPeer } from '../manager/dispatcher/protocol.ts';

export class ManagerList {
  private addrs: string[];
  private cursor = 0;
  private hint: string | undefined;

  constructor(initial: readonly string[]) {
    if (initial.length === 0) throw new Error('agent: at least one manager address is needed');
    this.addrs = [...new Set(initial)];
  }

  get list(): readonly string[] {
    return this.addrs;
  }

  /** The address to dial next. */
  next(): string {
    const h = this.hint;
    if (h !== undefined) {
      this.hint = undefined;
      return h;
    }
    return this.addrs[this.cursor % this.addrs.length] as string;
  }

  /** Dialing or keeping a session with `addr` failed: the next try goes elsewhere. */
  failed(addr: string): void {
    if (this.addrs[this.cursor % this.addrs.length] === addr)
      this.cursor = (this.cursor + 1) % this.addrs.length;
  }

  /** Told where the leader is: try it next (and remember it). */
  redirect(leader: ManagerPeer): void {
    this.hint = leader.addr;
    if (!this.addrs.includes(leader.addr)) this.addrs.push(leader.addr);
  }

  /** The list a session brought (leader first); `current` is the manager serving it. */
  update(managers: readonly ManagerPeer[], current: string): void {
    if (managers.length === 0) return;
    this.addrs = [...new Set(managers.map((m) => m.addr))];
    const i = this.addrs.indexOf(current);
    this.cursor = i >= 0 ? i : 0;
  }
}
