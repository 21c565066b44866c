/**
 * Docker's borderless tables: Go's text/tabwriter as the CLI configures it (minimum cell
 * width 10, padding 3, spaces). Cells are separated by tabs; the last cell of a line is
 * not padded, so a row ending in an empty cell keeps its trailing spaces, as Docker's do.
 */
const MIN_WIDTH = 10;
const PADDING = 3;

function width(s: string): number {
  return [...s].length;
}

/** Aligns tab-separated lines (a trailing newline on each output line). */
export function tabwrite(lines: readonly string[]): string {
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const cells of rows) {
    cells.forEach((c, i) => {
      if (i === cells.length - 1) return;
      widths[i] = Math.max(widths[i] ?? MIN_WIDTH, width(c) + PADDING);
    });
  }
  return rows
    .map((cells) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - width(c))))
        .join(''),
    )
    .map((l) => `${l}\n`)
    .join('');
}

/** A table from a header and rows of cells. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return tabwrite([header.join('\t'), ...rows.map((r) => r.join('\t'))]);
}
