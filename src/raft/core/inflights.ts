/**
 * Inflights bounds how many append messages a leader has in flight to one follower in
 * the replicate state: each sent message records the last index it carries, and an
 * acknowledgement frees every message up to the index it covers. A full window pauses
 * replication to that follower until acks arrive (flow control).
 */
export class Inflights {
  private readonly buf: number[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.buf = new Array<number>(capacity).fill(0);
  }

  get size(): number {
    return this.count;
  }

  full(): boolean {
    return this.count >= this.capacity;
  }

  /** Records a message whose last entry is `index` (indexes are added in increasing order). */
  add(index: number): void {
    if (this.full()) throw new Error('inflights: add on a full window');
    this.buf[(this.start + this.count) % this.capacity] = index;
    this.count++;
  }

  /** Frees every message whose last index is <= `index`. */
  freeLE(index: number): void {
    while (this.count > 0 && (this.buf[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest message (a heartbeat response while full: make room for one probe). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.buf[this.start] as number);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
