/**
 * The child-process end of RemoteTraffic: a Traffic driven by JSON lines on stdin
 * ({id, method, args}) answering JSON lines on stdout ({id, result} | {id, error}). Run
 * inside a network namespace: `ip netns exec NS node --import tsx ns-agent.ts`.
 * Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { Traffic } from './traffic.ts';

const traffic = new Traffic();
const methods = traffic as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const { id, method, args } = JSON.parse(line) as { id: number; method: string; args: unknown[] };
  const fn = methods[method];
  const reply = (body: object): void => {
    process.stdout.write(`${JSON.stringify({ id, ...body })}\n`);
  };
  if (typeof fn !== 'function') return reply({ error: `no method ${method}` });
  // JSON turns an omitted argument into null; defaults need undefined.
  fn.apply(
    traffic,
    args.map((a) => (a === null ? undefined : a)),
  ).then(
    (result) => reply({ result: result ?? null }),
    (e: unknown) => reply({ error: String(e) }),
  );
});
rl.on('close', () => {
  void traffic.dispose().finally(() => process.exit(0));
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
