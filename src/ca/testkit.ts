/**
 * Fixtures for the CA's tests: a virtual clock, one shared root CA per process (keys are
 * slow-ish to make), and node certificates issued on that clock.
 */
import type { Clock } from '../base/clock.ts';
import { SeededRng } from '../base/rng.ts';
import { NodeClock, VirtualTime } from '../sim/time.ts';
import type { NodeCertRole } from './names.ts';
import { insecureRandomBytesFrom } from './pki.ts';
import { createRootCa, type RootCaMaterial } from './root.ts';
import { issueNodeCertificate } from './sign.ts';

export const CLUSTER = 'cluster0000000000000000001';

export function virtualClock(): { vt: VirtualTime; clock: NodeClock } {
  const vt = new VirtualTime();
  return { vt, clock: new NodeClock(vt, 1) };
}

let shared: Promise<RootCaMaterial> | undefined;

/** A root CA made at the virtual epoch (wall time 1_700_000_000_000). */
export function sharedRoot(): Promise<RootCaMaterial> {
  shared ??= createRootCa({ clock: virtualClock().clock, random: insecureRandomBytesFrom(new SeededRng(1)) });
  return shared;
}

export async function nodeCert(
  opts: {
    nodeId?: string;
    role?: NodeCertRole;
    clusterId?: string;
    expiry?: number;
    root?: RootCaMaterial;
  } = {},
  clock: Clock = virtualClock().clock,
): Promise<{ certPem: string; keyPem: string }> {
  return issueNodeCertificate(opts.root ?? (await sharedRoot()), {
    nodeId: opts.nodeId ?? 'node1',
    role: opts.role ?? 'swarm-worker',
    clusterId: opts.clusterId ?? CLUSTER,
    ...(opts.expiry !== undefined ? { expiry: opts.expiry } : {}),
    clock,
  });
}

/**
 * Runs virtual time until `limit`. After each event, waits for the promises it started to
 * settle, and for everything in `pending` (work on real threads, such as signing).
 */
export async function runUntil(
  vt: VirtualTime,
  limit: number,
  pending = new Set<Promise<unknown>>(),
): Promise<void> {
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    while (pending.size > 0) {
      const all = [...pending];
      await Promise.allSettled(all);
      for (const p of all) pending.delete(p);
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await settle();
  for (;;) {
    const fn = vt.next(limit);
    if (fn === undefined) break;
    fn();
    await settle();
  }
  vt.now = Math.max(vt.now, limit);
}
