/**
 * AddressPool: the addresses of one subnet of one network (one IPAM config), as libnetwork's
 * default IPAM keeps them for a swarm network: the network and broadcast addresses are
 * never handed out, dynamic addresses come from the config's IPRange when it has one
 * (the whole subnet otherwise), and allocation is *serial*: the next free address after
 * the last one given, wrapping, so an address freed by a finished task is not reused
 * until the range has gone round (a stale DNS answer or ARP entry then points nowhere
 * rather than at a stranger).
 *
 * An address may be held more than once only when the store already says so (a rebuild
 * meeting two live holders): the pool counts the extra holders and frees the address when
 * the last one lets go, so it is never handed out while anything still uses it.
 */
import { Bitmap } from './bitmap.ts';
import { blockEnd, blockSize, type V4Block } from './ipv4.ts';

export class AddressPool {
  private readonly bits: Bitmap;
  private readonly extra = new Map<number, number>();
  /** Offsets (from subnet.base) dynamic allocation may use. */
  private readonly lo: number;
  private readonly hi: number;
  /** Offset of the last address given out or restored (serial allocation). */
  private cursor: number;

  constructor(
    readonly subnet: V4Block,
    readonly range?: V4Block,
  ) {
    const size = blockSize(subnet.prefix);
    if (size < 4) throw new RangeError(`address pool: subnet /${subnet.prefix} is too small`);
    this.bits = new Bitmap(size);
    this.bits.set(0); // network address
    this.bits.set(size - 1); // broadcast
    const r = range ?? subnet;
    this.lo = Math.max(1, r.base - subnet.base);
    this.hi = Math.min(size - 2, blockEnd(r) - subnet.base);
    this.cursor = this.lo - 1;
  }

  /** Addresses held (the network and broadcast addresses not counted). */
  get used(): number {
    return this.bits.count - 2;
  }

  contains(addr: number): boolean {
    return addr > this.subnet.base && addr < blockEnd(this.subnet);
  }

  isHeld(addr: number): boolean {
    return this.contains(addr) && this.bits.has(addr - this.subnet.base);
  }

  /**
   * Registers a holder of a known address (a gateway, a VIP or a task address read from the
   * store). 'shared' when it was already held: the caller logs that, the pool counts it.
   */
  hold(addr: number): 'held' | 'shared' {
    if (!this.contains(addr)) throw new RangeError('address pool: address outside the subnet');
    const off = addr - this.subnet.base;
    if (off >= this.lo && off <= this.hi && off > this.cursor) this.cursor = off;
    if (this.bits.set(off)) return 'held';
    this.extra.set(off, (this.extra.get(off) ?? 0) + 1);
    return 'shared';
  }

  /** The next free address after the last one given (serial), or null when none is left. */
  allocate(): number | null {
    const off = this.bits.nextClear(this.cursor, this.lo, this.hi);
    if (off < 0) return null;
    this.bits.set(off);
    this.cursor = off;
    return this.subnet.base + off;
  }

  /** Lets go of one holder of the address; the address is free when none is left. */
  release(addr: number): void {
    if (!this.contains(addr)) return;
    const off = addr - this.subnet.base;
    const n = this.extra.get(off);
    if (n !== undefined) {
      if (n <= 1) this.extra.delete(off);
      else this.extra.set(off, n - 1);
      return;
    }
    this.bits.clear(off);
  }
}
