/**
 * Which configuration a member uses: the newest conf entry in its log, committed or not
 * (effective on append), else the configuration of its snapshot. Remembers the conf
 * entries of the log so a truncated log falls back to the configuration before them.
 */
import { decodeConfChangeEntry } from './confchange.ts';
import type { RaftLog } from './log.ts';
import type { ConfState, Entry } from './types.ts';

interface ConfAt {
  index: number;
  conf: ConfState;
}

export class Membership {
  private history: ConfAt[] = [];

  private constructor(private base: ConfState) {}

  /** Rebuilds from the snapshot's configuration and the conf entries of the stored log. */
  static load(base: ConfState, log: RaftLog): Membership {
    const m = new Membership(base);
    const first = log.firstIndex();
    const last = log.lastIndex();
    if (last >= first) m.note(log.slice(first, last + 1, Number.MAX_SAFE_INTEGER));
    return m;
  }

  current(): ConfState {
    return this.history[this.history.length - 1]?.conf ?? this.base;
  }

  /** Index of the newest conf entry in the log (0 if none since the snapshot). */
  lastConfIndex(): number {
    return this.history[this.history.length - 1]?.index ?? 0;
  }

  /**
   * The log was written from index `from` on with `ents` (entries before `from` among
   * them are unchanged). Returns whether the configuration in use changed.
   */
  onWrite(from: number, ents: readonly Entry[]): boolean {
    const before = this.current();
    while (this.history.length > 0 && (this.history[this.history.length - 1] as ConfAt).index >= from) {
      this.history.pop();
    }
    this.note(ents.filter((e) => e.index >= from));
    return this.current() !== before;
  }

  /** A snapshot replaced the whole log. */
  restore(conf: ConfState): void {
    this.base = conf;
    this.history = [];
  }

  private note(ents: readonly Entry[]): void {
    for (const e of ents) {
      if (e.type === 'conf') this.history.push({ index: e.index, conf: decodeConfChangeEntry(e.data).conf });
    }
  }
}
