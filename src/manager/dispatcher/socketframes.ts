/**
 * The framing under socketlink.ts: many session links share one byte stream (a TCP or
 * unix-socket connection), each frame tagged with its link id.
 *
 *   frame = u32 length of what follows (big-endian) | u32 link id | u8 kind | payload
 *   kind  = OPEN  (payload: JSON {addr, nodeId?}: who dials; the dialer picks the id)
 *         | MSG   (payload: one protocol message, JSON)
 *         | CLOSE (no payload: this end closed the link)
 *
 * FrameWriter packs frames into large chunks (no per-frame allocation, no byteLength
 * scan) and hands them to the stream once per microtask, so a burst of sends (a
 * dispatcher batch, 5,000 heartbeats) costs one write. FrameReader cuts the stream back
 * into frames, across chunk boundaries.
 */

export const FRAME = { open: 1, msg: 2, close: 3 } as const;
export type FrameKind = (typeof FRAME)[keyof typeof FRAME];

const HEADER = 9;
const CHUNK = 64 * 1024;
/** A frame larger than this is a protocol error (a corrupt stream), not a message. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export class FrameWriter {
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private full: Buffer[] = [];
  private scheduled = false;
  /** Bytes handed to the stream so far. */
  bytes = 0;
  frames = 0;

  constructor(private readonly write: (data: Buffer) => void) {}

  push(id: number, kind: FrameKind, payload?: string): void {
    const max = HEADER + (payload ? payload.length * 3 : 0);
    if (this.chunk.length - this.used < max) {
      if (this.used > 0) this.full.push(this.chunk.subarray(0, this.used));
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, max));
      this.used = 0;
    }
    const at = this.used;
    const n = payload ? this.chunk.write(payload, at + HEADER, 'utf8') : 0;
    this.chunk.writeUInt32BE(n + 5, at);
    this.chunk.writeUInt32BE(id, at + 4);
    this.chunk[at + 8] = kind;
    this.used = at + HEADER + n;
    this.frames++;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Hands everything pushed so far to the stream. */
  flush(): void {
    this.scheduled = false;
    if (this.used > 0) {
      this.full.push(this.chunk.subarray(0, this.used));
      // The stream keeps the written bytes: the rest of this chunk is still ours to fill.
      this.chunk = this.chunk.subarray(this.used);
      if (this.chunk.length < HEADER + 64) this.chunk = Buffer.allocUnsafe(CHUNK);
      this.used = 0;
    }
    if (this.full.length === 0) return;
    const data = this.full.length === 1 ? (this.full[0] as Buffer) : Buffer.concat(this.full);
    this.full = [];
    this.bytes += data.length;
    this.write(data);
  }
}

export class FrameReader {
  private rest: Buffer | undefined;
  private stopped = false;
  bytes = 0;

  /** Feeds bytes from the stream; calls `onFrame` for each whole frame, in order. */
  feed(data: Buffer, onFrame: (id: number, kind: number, payload: string) => void): void {
    if (this.stopped) return;
    this.bytes += data.length;
    let buf = this.rest ? Buffer.concat([this.rest, data]) : data;
    this.rest = undefined;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (len < 5 || len > MAX_FRAME_BYTES) throw new Error(`socketlink: bad frame length ${len}`);
      if (buf.length - off < 4 + len) break;
      const id = buf.readUInt32BE(off + 4);
      const kind = buf[off + 8] as number;
      const payload = len > 5 ? buf.toString('utf8', off + HEADER, off + 4 + len) : '';
      off += 4 + len;
      onFrame(id, kind, payload);
      // A handler may have torn the connection down.
      if (this.stopped) return;
    }
    if (off < buf.length) {
      // Keep only the tail (a copy, so the big chunk it came from can be freed).
      buf = buf.subarray(off);
      this.rest = off > 0 && buf.length < 64 * 1024 ? Buffer.from(buf) : buf;
    }
  }

  /** Drops any partial frame and ignores what follows (the connection is gone). */
  stop(): void {
    this.stopped = true;
    this.rest = undefined;
  }
}
