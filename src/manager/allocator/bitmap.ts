/**
 * Bitmap: a fixed-size set of small integers [0, size), one bit each, with the two searches
 * the allocator needs: the lowest clear bit in a range (published ports: Docker's dynamic
 * range 30000-32767, lowest free first) and the next clear bit after a cursor, wrapping
 * (addresses in a subnet: serial allocation, so a freed address is not handed out again
 * until the subnet wraps around, as libnetwork's IPAM does with its serial option).
 *
 * A /16 subnet is 65,536 bits (8 KiB); searches skip full 32-bit words at a time.
 */
export class Bitmap {
  private readonly words: Uint32Array;
  private used = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`bitmap: bad size ${size}`);
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  /** Bits set. */
  get count(): number {
    return this.used;
  }

  has(i: number): boolean {
    if (i < 0 || i >= this.size) return false;
    return ((this.words[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }

  /** Sets bit i; false if it was already set. */
  set(i: number): boolean {
    this.check(i);
    const w = i >>> 5;
    const m = 1 << (i & 31);
    const cur = this.words[w] as number;
    if ((cur & m) !== 0) return false;
    this.words[w] = cur | m;
    this.used++;
    return true;
  }

  /** Clears bit i; false if it was already clear. */
  clear(i: number): boolean {
    this.check(i);
    const w = i >>> 5;
    const m = 1 << (i & 31);
    const cur = this.words[w] as number;
    if ((cur & m) === 0) return false;
    this.words[w] = cur & ~m;
    this.used--;
    return true;
  }

  /** The lowest clear bit in [lo, hi] (inclusive), or -1. */
  firstClear(lo: number, hi: number): number {
    const from = Math.max(0, lo);
    const to = Math.min(this.size - 1, hi);
    if (from > to) return -1;
    let mask = (0xffffffff << (from & 31)) >>> 0;
    for (let w = from >>> 5, last = to >>> 5; w <= last; w++) {
      const free = (~(this.words[w] as number) & mask) >>> 0;
      if (free !== 0) {
        const i = w * 32 + (31 - Math.clz32(free & -free));
        return i <= to ? i : -1;
      }
      mask = 0xffffffff;
    }
    return -1;
  }

  /**
   * The first clear bit after `cursor` within [lo, hi], wrapping around to lo; -1 when
   * every bit of the range is set.
   */
  nextClear(cursor: number, lo: number, hi: number): number {
    const start = cursor < lo || cursor >= hi ? lo : cursor + 1;
    const found = this.firstClear(start, hi);
    if (found >= 0) return found;
    return start > lo ? this.firstClear(lo, start - 1) : -1;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`bitmap: bit ${i} outside [0, ${this.size})`);
    }
  }
}
