/**
 * How `ls`/`ps` answers are printed, as the docker CLI does: the default table, `-q` (ids
 * only), `--format json` (one JSON object per row, keys sorted), `--format 'table
 * {{.A}}\t{{.B}}'` (a table whose header row is the template run over the column
 * titles) or any other template (one line per row). `\t` and `\n` written literally in a
 * format are read as tab and newline.
 */
import { tabwrite } from './table.ts';
import { goJson, parseTemplate } from './template.ts';

export type Row = Record<string, string | boolean | number>;

export interface Listing {
  /** The default table's template, without the `table ` prefix. */
  columns: string;
  /** Title of every field a format may name (`CurrentState` -> `CURRENT STATE`). */
  titles: Record<string, string>;
  rows: Row[];
  /** What -q prints for a row. */
  quiet: (r: Row) => string;
  /** Fields the default table uses but `--format json` does not show. */
  hidden?: string[];
}

export function unescapeFormat(f: string): string {
  return f.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

function forJson(r: Row, hidden: readonly string[]): Row {
  return Object.fromEntries(
    Object.entries(r)
      .filter(([k]) => !hidden.includes(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

export function renderListing(
  l: Listing,
  o: { format?: string | undefined; quiet?: boolean | undefined },
): string {
  const format = o.format?.trim() ?? '';
  if (o.quiet && format === '') return l.rows.map((r) => `${l.quiet(r)}\n`).join('');
  if (format === 'json') return l.rows.map((r) => `${goJson(forJson(r, l.hidden ?? []))}\n`).join('');
  const src = unescapeFormat(format === '' || format === 'table' ? `table ${l.columns}` : format);
  if (src.startsWith('table')) {
    const t = parseTemplate(src.slice('table'.length).replace(/^\s+/, ''));
    const titles: Row = {
      ...Object.fromEntries(Object.keys(l.titles).map((k) => [k, k.toUpperCase()])),
      ...l.titles,
    };
    return tabwrite([t.execute(titles), ...l.rows.map((r) => t.execute(r))]);
  }
  const t = parseTemplate(src);
  return l.rows.map((r) => `${t.execute(r)}\n`).join('');
}

/** `inspect`: an indented JSON array, or a template per object. */
export function renderInspect(objects: unknown[], format: string | undefined): string {
  const f = format?.trim() ?? '';
  if (f === '') return `${goJson(objects, '    ')}\n`;
  if (f === 'json') return objects.map((o) => `${goJson(o)}\n`).join('');
  const t = parseTemplate(unescapeFormat(f));
  return objects.map((o) => `${t.execute(o)}\n`).join('');
}
