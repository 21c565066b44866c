/**
 * WAL segment files: `<seq 16 hex>-<first index 16 hex>.wal`. The sequence number orders
 * the segments (and must have no holes); the first index is lastIndex + 1 at the moment
 * the segment was started, which is what decides when a segment can be removed after a
 * snapshot (see wal.ts). Other files in the directory are ignored.
 */
import { readdirSync } from 'node:fs';
import { hex16, parseHex16 } from './files.ts';

export interface SegmentFile {
  seq: number;
  firstIndex: number;
  name: string;
}

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentFile(seq: number, firstIndex: number): SegmentFile {
  return { seq, firstIndex, name: `${hex16(seq)}-${hex16(firstIndex)}.wal` };
}

export function parseSegmentName(name: string): SegmentFile | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const seq = parseHex16(m[1]!);
  const firstIndex = parseHex16(m[2]!);
  return seq === null || firstIndex === null ? null : { seq, firstIndex, name };
}

/** The segments in `dir`, oldest first. */
export function listSegments(dir: string): SegmentFile[] {
  const out: SegmentFile[] = [];
  for (const name of readdirSync(dir)) {
    const s = parseSegmentName(name);
    if (s) out.push(s);
  }
  return out.sort((a, b) => a.seq - b.seq);
}
