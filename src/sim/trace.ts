/**
 * The simulation's story, kept for the failure report: the last lines of what happened
 * (faults, leader changes, client operations), each stamped with virtual time.
 */
export class Trace {
  private lines: string[] = [];

  constructor(
    private readonly now: () => number,
    private readonly keep = 400,
  ) {}

  add(line: string): void {
    this.lines.push(`${(this.now() / 1000).toFixed(3).padStart(8)}s  ${line}`);
    if (this.lines.length > this.keep * 2) this.lines = this.lines.slice(-this.keep);
  }

  tail(n = this.keep): string[] {
    return this.lines.slice(-n);
  }
}
