/**
 * Formatting for the Raft benchmark (run.ts): the human table printed at the end and the
 * machine-readable result written to .bench-out/raft.json.
 */
import { cpus, totalmem } from 'node:os';
import type { LoadResult } from '../../src/raft/demo/client.ts';
import { fmtMs, type Summary } from '../../src/raft/demo/stats.ts';

export interface FailoverTrial {
  trial: number;
  /** Wall-clock time of the kill (to find the trial in the member logs). */
  at: string;
  killed: string;
  newLeader: string;
  ms: number;
  /** Terms from the killed leader's to the new one's (1: the first election won). */
  terms: number;
}

export interface RaftBenchResult {
  date: string;
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  setup: string;
  throughput: LoadResult[];
  failover: { trials: FailoverTrial[]; summary: Summary } | null;
  goals: Array<{ goal: string; met: boolean; detail: string }>;
}

export function machine(): RaftBenchResult['machine'] {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
  };
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('   ');
}

export function table(r: RaftBenchResult): string {
  const lines: string[] = [];
  const w = [34, 14, 10, 10, 10];
  lines.push(pad(['workload', 'committed/s', 'p50', 'p99', 'max'], w));
  for (const t of r.throughput) {
    lines.push(
      pad(
        [
          `${t.clients} client${t.clients === 1 ? '' : 's'}, ${t.entryBytes}-byte entries`,
          Math.round(t.perSecond).toLocaleString('en-US'),
          fmtMs(t.p50Ms),
          fmtMs(t.p99Ms),
          fmtMs(t.maxMs),
        ],
        w,
      ),
    );
  }
  if (r.failover) {
    const s = r.failover.summary;
    lines.push(
      pad([`failover (SIGKILL leader), ${s.count} trials`, '', fmtMs(s.p50), fmtMs(s.p99), fmtMs(s.max)], w),
    );
  }
  lines.push('');
  for (const g of r.goals) lines.push(`${g.met ? 'MET   ' : 'MISSED'}  ${g.goal}: ${g.detail}`);
  return lines.join('\n');
}
