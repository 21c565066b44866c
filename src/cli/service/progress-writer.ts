/**
 * Draws progress lines as Docker's JSON-message renderer does. On a terminal each id owns
 * a line, redrawn in place with cursor movements (`1/3: running   [=====>   ]`); elsewhere
 * each change is printed as a new line, and lines with a bar are skipped, as Docker does.
 */
import type { ProgressLine } from './progress.ts';

const BAR = 50;

export function bar(current: number, total: number): string {
  const n = Math.max(0, Math.min(BAR, Math.floor((current / total) * BAR)));
  return `[${'='.repeat(n)}>${' '.repeat(BAR - n)}]`;
}

export function lineText(l: ProgressLine, tty: boolean): string {
  const extra = tty && l.bar ? ` ${bar(l.bar[0], l.bar[1])}` : '';
  return `${l.id}: ${l.action}${extra}`;
}

export class ProgressWriter {
  private readonly ids: string[] = [];
  private readonly last = new Map<string, string>();

  constructor(
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
  ) {}

  show(l: ProgressLine): void {
    const text = lineText(l, this.tty);
    if (!this.tty) {
      if (l.bar || this.last.get(l.id) === text) return;
      this.last.set(l.id, text);
      this.write(`${text}\n`);
      return;
    }
    const at = this.ids.indexOf(l.id);
    if (at < 0) {
      this.ids.push(l.id);
      this.write(`${text}\n`);
    } else {
      const up = this.ids.length - at;
      this.write(`\x1b[${up}A\x1b[2K\r${text}\r\x1b[${up}B`);
    }
    this.last.set(l.id, text);
  }
}
