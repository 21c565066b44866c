/**
 * `shoal -H unix:///x.sock node ls`: docker takes -H/--host before the command; commander
 * sees options per command, so a leading host flag is taken out of argv here and handed
 * over through SHOAL_HOST (each client command also accepts -H itself).
 */
export function takeLeadingHost(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const out = [...argv];
  const i = 2;
  const a = out[i];
  if (a === undefined) return out;
  if ((a === '-H' || a === '--host') && out[i + 1] !== undefined) {
    env.SHOAL_HOST = out[i + 1];
    out.splice(i, 2);
  } else if (a.startsWith('--host=')) {
    env.SHOAL_HOST = a.slice('--host='.length);
    out.splice(i, 1);
  } else if (a.startsWith('-H') && a.length > 2) {
    env.SHOAL_HOST = a.slice(2).replace(/^=/, '');
    out.splice(i, 1);
  }
  return out;
}
