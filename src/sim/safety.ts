/**
 * Raft's safety properties, checked while the simulation runs:
 * - election safety: at most one leader per term;
 * - state machine safety: every member applies the same entry at the same index;
 * - leader completeness: a new leader's log holds every entry committed before it;
 * - log matching: two logs that agree on an entry's term agree on everything before it.
 * A violation is recorded with who and where; the runner stops and prints the trace.
 */
import type { RaftLog } from '../raft/core/log.ts';
import type { Entry, NodeId } from '../raft/core/types.ts';
import type { SimMember } from './cluster.ts';

interface Committed {
  term: number;
  sig: string;
  by: NodeId;
}

function signature(e: Entry): string {
  return `${e.type}:${Buffer.from(e.data).toString('base64')}`;
}

export class SafetyChecker {
  readonly violations: string[] = [];
  private readonly leaders = new Map<number, NodeId>();
  private readonly committed = new Map<number, Committed>();
  maxCommitted = 0;
  elections = 0;

  onLeader(m: SimMember, term: number): void {
    this.elections++;
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== m.id) {
      this.violations.push(`election safety: ${prev} and ${m.id} are both leader of term ${term}`);
    }
    this.leaders.set(term, m.id);
    const log = m.node?.core.raft.log;
    if (!log) return;
    const first = log.firstIndex();
    for (const [index, c] of this.committed) {
      if (index < first) continue;
      const t = log.term(index);
      if (t !== c.term) {
        this.violations.push(
          `leader completeness: ${m.id} leads term ${term} but has ${t === undefined ? 'no entry' : `term ${t}`} at index ${index}, committed at term ${c.term} (applied by ${c.by})`,
        );
        return;
      }
    }
  }

  onApply(m: SimMember, e: Entry): void {
    const sig = signature(e);
    const c = this.committed.get(e.index);
    if (!c) {
      this.committed.set(e.index, { term: e.term, sig, by: m.id });
      if (e.index > this.maxCommitted) this.maxCommitted = e.index;
      return;
    }
    if (c.term !== e.term || c.sig !== sig) {
      this.violations.push(
        `state machine safety: at index ${e.index} ${c.by} applied an entry of term ${c.term}, ${m.id} one of term ${e.term}${c.sig !== sig ? ' with other data' : ''}`,
      );
    }
  }

  /** Log matching over every pair of live members. */
  checkLogMatching(members: readonly SimMember[]): void {
    const logs = members.flatMap((m) => (m.node ? [{ id: m.id, log: m.node.core.raft.log }] : []));
    for (let i = 0; i < logs.length; i++) {
      for (let j = i + 1; j < logs.length; j++) {
        const a = logs[i] as { id: NodeId; log: RaftLog };
        const b = logs[j] as { id: NodeId; log: RaftLog };
        const v = matchLogs(a.log, b.log);
        if (v) this.violations.push(`log matching between ${a.id} and ${b.id}: ${v}`);
      }
    }
  }
}

function matchLogs(a: RaftLog, b: RaftLog): string | undefined {
  const first = Math.max(a.firstIndex(), b.firstIndex());
  const last = Math.min(a.lastIndex(), b.lastIndex());
  let agree = 0;
  for (let i = last; i >= first; i--) {
    if (a.term(i) === b.term(i)) {
      agree = i;
      break;
    }
  }
  if (agree < first) return undefined;
  const ea = a.slice(first, agree + 1, Number.MAX_SAFE_INTEGER);
  const eb = b.slice(first, agree + 1, Number.MAX_SAFE_INTEGER);
  for (let k = 0; k < ea.length; k++) {
    const x = ea[k] as Entry;
    const y = eb[k] as Entry;
    if (x.term !== y.term || signature(x) !== signature(y)) {
      return `they agree at index ${agree} but differ at ${x.index} (terms ${x.term} and ${y.term})`;
    }
  }
  return undefined;
}
