/**
 * SubnetRegistry: which IPv4 blocks the swarm's networks use, and the next one to give a
 * network that names no subnet. As libnetwork's IPAM does for the swarm's address space:
 * the cluster's default address pools (Cluster.DefaultAddrPool, default 10.0.0.0/8) are
 * cut into blocks of Cluster.SubnetSize (default /24), and a network gets the lowest block,
 * pool after pool, that overlaps no block in use; a subnet a user names must overlap none
 * ("Pool overlaps with other one on this address space"), inside the pools or not.
 *
 * Blocks read back from the store are held even when they overlap (a rebuild must not
 * drop what is in use); each owner's blocks go when it is released.
 */
import { blockEnd, blockSize, type V4Block } from './ipv4.ts';

interface Held {
  readonly base: number;
  readonly end: number;
  readonly owner: string;
}

export class SubnetRegistry {
  /** Sorted by base. */
  private held: Held[] = [];

  get size(): number {
    return this.held.length;
  }

  /** The owner of a block in use that overlaps `b`, if any. */
  overlapping(b: V4Block): string | undefined {
    const end = blockEnd(b);
    for (const h of this.held) {
      if (h.base > end) break;
      if (h.end >= b.base) return h.owner;
    }
    return undefined;
  }

  /** Records a block as used by `owner`, overlapping or not (rebuild). */
  hold(b: V4Block, owner: string): void {
    const h: Held = { base: b.base, end: blockEnd(b), owner };
    let i = this.held.length;
    while (i > 0 && (this.held[i - 1] as Held).base > h.base) i--;
    this.held.splice(i, 0, h);
  }

  /** Takes a named block if it overlaps nothing in use. */
  claim(b: V4Block, owner: string): boolean {
    if (this.overlapping(b) !== undefined) return false;
    this.hold(b, owner);
    return true;
  }

  /** The lowest free block of /size in the pools, in pool order, taken for `owner`; or null. */
  allocate(pools: readonly V4Block[], size: number, owner: string): V4Block | null {
    const step = blockSize(size);
    for (const pool of pools) {
      if (pool.prefix > size) continue;
      const last = blockEnd(pool);
      let c = pool.base;
      let j = 0;
      while (c + step - 1 <= last) {
        while (j < this.held.length && (this.held[j] as Held).end < c) j++;
        const h = this.held[j];
        if (h === undefined || h.base > c + step - 1) {
          const b = { base: c, prefix: size };
          this.hold(b, owner);
          return b;
        }
        c = Math.ceil((h.end + 1) / step) * step;
      }
    }
    return null;
  }

  /** Frees every block of `owner`; how many there were. */
  release(owner: string): number {
    const before = this.held.length;
    this.held = this.held.filter((h) => h.owner !== owner);
    return before - this.held.length;
  }
}
