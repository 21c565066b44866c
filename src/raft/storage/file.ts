/**
 * FileStorage: the durable RaftStorage of a real manager. `<dir>/wal/` holds the WAL,
 * `<dir>/snap/` the snapshot files. The entries since the compaction point live in memory
 * too (an EntryLog), so the core's reads are synchronous and cheap; every write goes
 * through the WAL first and changes memory only once it is durable.
 *
 *   save             -> WAL: entries, then the hard state; one write, one fdatasync
 *   installSnapshot  -> snap file (fsynced, renamed), then WAL: marker + raised hard state
 *   createSnapshot   -> snap file, then WAL: marker; then old snap files and WAL segments go
 *
 * The WAL's latest marker decides which snapshot is current: a snap file newer than it
 * was written just before a crash and is deleted (the write never happened, as far as
 * Raft knows). If the marked file is damaged, an older one still covering the log is used.
 * The work is synchronous; the methods return promises to fit the interface.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { ShoalError } from '../../base/errors.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import { type ConfState, type Entry, emptySnapshot, type HardState, type Snapshot } from '../core/types.ts';
import type { Cipher } from './cipher.ts';
import type { WalRecord } from './record.ts';
import type { WalState } from './replay.ts';
import { SnapDir } from './snapfile.ts';
import { applyOp, planCreate, planInstall, planSave, type SnapshotOp, type StorageState } from './state.ts';
import { CorruptionError, type InitialState, type RaftStorage, type SaveOptions } from './storage.ts';
import { type SegmentStart, Wal } from './wal.ts';

export interface FileStorageOptions {
  logger?: Logger;
  cipher?: Cipher;
  /** WAL segment size (default 64 MiB). */
  segmentBytes?: number;
}

export class FileStorage implements RaftStorage {
  private closed = false;

  private constructor(
    private readonly wal: Wal,
    private readonly snaps: SnapDir,
    private readonly state: StorageState,
    private readonly logger: Logger,
  ) {}

  static open(dir: string, opts: FileStorageOptions = {}): FileStorage {
    const logger = (opts.logger ?? nullLogger).child({ component: 'raft-storage' });
    const snaps = new SnapDir(join(dir, 'snap'), { cipher: opts.cipher, logger });
    const { wal, state: ws } = Wal.open(join(dir, 'wal'), { ...opts, logger });
    try {
      const snapshot = currentSnapshot(snaps, ws, logger);
      const s = new FileStorage(wal, snaps, { hardState: ws.hardState, snapshot, log: ws.log }, logger);
      if (snapshot.meta.index !== ws.snap.index) {
        // Fell back to an older snapshot: mark it, so the WAL and the snap files agree again.
        // (A segment started for it records the WAL's view before it: the newer marker.)
        const marker = { snap: snapshot.meta, compact: ws.log.compact, dropLog: false };
        wal.append([{ type: 'snapshot', marker }], { ...s.segmentStart(), snap: ws.snap });
      }
      return s;
    } catch (e) {
      wal.close();
      throw e;
    }
  }

  initialState(): InitialState {
    return { hardState: { ...this.state.hardState }, conf: structuredClone(this.state.snapshot.meta.conf) };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.state.log.slice(lo, hi, maxBytes);
  }

  term(i: number): number {
    return this.state.log.term(i);
  }

  firstIndex(): number {
    return this.state.log.firstIndex();
  }

  lastIndex(): number {
    return this.state.log.lastIndex();
  }

  snapshot(): Snapshot {
    return this.state.snapshot;
  }

  async save(hardState: HardState | null, entries: readonly Entry[], opts: SaveOptions = {}): Promise<void> {
    this.checkOpen();
    if (hardState === null && entries.length === 0) return;
    const op = planSave(this.state, hardState, entries);
    const after = this.state.log.compact.index;
    const records: WalRecord[] = [];
    for (const entry of op.entries) if (entry.index > after) records.push({ type: 'entry', entry });
    if (op.hardState) records.push({ type: 'hardState', hardState: op.hardState });
    this.wal.append(records, this.segmentStart(), opts.sync ?? true);
    applyOp(this.state, op);
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    this.checkOpen();
    this.writeSnapshot(planInstall(this.state, snapshot));
  }

  async createSnapshot(
    index: number,
    conf: ConfState,
    data: Uint8Array,
    keepEntries: number,
  ): Promise<Snapshot> {
    this.checkOpen();
    const op = planCreate(this.state, index, conf, data, keepEntries);
    this.writeSnapshot(op);
    return op.snapshot;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wal.close();
  }

  /**
   * The next write starts a new WAL segment. Used to finish a DEK rotation: records sealed
   * with the old key then sit only in older segments, which the next snapshots release.
   */
  cutSegment(): void {
    this.checkOpen();
    this.wal.cut();
  }

  /** WAL segment file names, oldest first (for tests and diagnostics). */
  walSegments(): string[] {
    return this.wal.segments();
  }

  private writeSnapshot(op: SnapshotOp): void {
    this.snaps.save(op.snapshot);
    const records: WalRecord[] = [
      { type: 'snapshot', marker: { snap: op.snapshot.meta, compact: op.compact, dropLog: op.dropLog } },
    ];
    if (op.hardState) records.push({ type: 'hardState', hardState: op.hardState });
    this.wal.append(records, this.segmentStart());
    applyOp(this.state, op);
    // The snapshot is durable now; failing to clean up is worth an error line, not a failure.
    try {
      this.snaps.purge(2);
      this.wal.releaseTo(this.state.log.compact.index);
    } catch (e) {
      this.logger.error({ err: (e as Error).message }, 'raft storage: cleanup after a snapshot failed');
    }
  }

  private segmentStart(): SegmentStart {
    const s = this.state;
    const { index, term } = s.snapshot.meta;
    return {
      snap: { index, term },
      compact: s.log.compact,
      lastIndex: s.log.lastIndex(),
      hardState: s.hardState,
    };
  }

  private checkOpen(): void {
    if (this.closed) throw new ShoalError('failed_precondition', 'raft storage: closed');
  }
}

/** The snapshot the WAL's latest marker names, or the best older one (see the header). */
function currentSnapshot(snaps: SnapDir, ws: WalState, logger: Logger): Snapshot {
  const { index, term } = ws.snap;
  const files = snaps.list();
  const orphans = files.filter((f) => f.index >= index && !(f.index === index && f.term === term));
  if (orphans.length > 0) {
    logger.warn(
      { files: orphans.map((f) => f.name), marker: ws.snap },
      'snap: removing files the WAL never marked',
    );
    snaps.remove(orphans.map((f) => f.name));
  }
  if (index === 0) return emptySnapshot();
  const marked = files.find((f) => f.index === index && f.term === term);
  if (marked) {
    try {
      return snaps.read(marked.name);
    } catch (e) {
      if (!(e instanceof CorruptionError)) throw e;
      logger.error({ file: marked.name, err: e.message }, 'snap: the current snapshot is damaged');
      renameSync(join(snaps.dir, marked.name), join(snaps.dir, `${marked.name}.broken`));
    }
  }
  const compact = ws.log.compact.index;
  const older = snaps.loadNewest((f) => f.index < index && f.index >= compact);
  if (older === null) {
    throw new CorruptionError(
      `raft storage: snapshot ${term}-${index} named by the WAL is missing or damaged, ` +
        `and no older snapshot covers the log from index ${compact + 1}`,
    );
  }
  logger.warn({ using: older.meta.index, wanted: index }, 'snap: falling back to an older snapshot');
  return older;
}
