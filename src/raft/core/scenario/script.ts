/**
 * The scenario script format (after etcd/raft's data-driven tests):
 *
 *   # a comment
 *   command pos1 pos2 key=value list=(a,b,c)
 *   ----
 *   expected output, one line per line, ended by a blank line
 *
 * `runScript` runs each command through a Scenario and returns the file as it should read
 * with the actual output, so a test compares it with the file and UPDATE_TESTDATA=1
 * rewrites it (then read the diff: the scripts are the specification).
 */
import { type Args, Scenario } from './harness.ts';

interface Block {
  /** Lines before the command (comments, blank lines), kept verbatim. */
  preamble: string[];
  command: string;
  expected: string[];
  line: number;
}

export function parseScript(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let preamble: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.trim() === '' || l.startsWith('#')) {
      preamble.push(l);
      continue;
    }
    if (lines[i + 1] !== '----') throw new Error(`line ${i + 1}: expected ---- after the command`);
    const expected: string[] = [];
    let j = i + 2;
    while (j < lines.length && (lines[j] as string) !== '') expected.push(lines[j++] as string);
    blocks.push({ preamble, command: l, expected, line: i + 1 });
    preamble = [];
    i = j; // the blank line that ends the output
  }
  if (preamble.length > 0) blocks.push({ preamble, command: '', expected: [], line: lines.length });
  return blocks;
}

export function parseCommand(line: string): { cmd: string; pos: string[]; args: Args } {
  const tokens = line.trim().split(/\s+/);
  const cmd = tokens.shift() as string;
  const pos: string[] = [];
  const args: Args = new Map();
  for (const t of tokens) {
    const eq = t.indexOf('=');
    if (eq <= 0) {
      pos.push(t);
      continue;
    }
    const key = t.slice(0, eq);
    let val = t.slice(eq + 1);
    if (val.startsWith('(') && val.endsWith(')')) val = val.slice(1, -1);
    args.set(
      key,
      val.split(',').filter((v) => v !== ''),
    );
  }
  return { cmd, pos, args };
}

export async function runScript(text: string): Promise<{ actual: string; failures: string[] }> {
  const sc = new Scenario();
  const out: string[] = [];
  const failures: string[] = [];
  for (const b of parseScript(text)) {
    out.push(...b.preamble);
    if (b.command === '') continue;
    const { cmd, pos, args } = parseCommand(b.command);
    let got: string[];
    try {
      got = await sc.run(cmd, pos, args);
    } catch (e) {
      got = [`error: ${(e as Error).message}`];
    }
    const shown = got.length > 0 ? got : ['ok'];
    if (shown.join('\n') !== b.expected.join('\n')) failures.push(`line ${b.line}: ${b.command}`);
    out.push(b.command, '----', ...shown, '');
  }
  // Normalise: no trailing blank lines beyond one.
  while (out.length > 0 && out[out.length - 1] === '' && out[out.length - 2] === '') out.pop();
  return { actual: out.join('\n'), failures };
}
