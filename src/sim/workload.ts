/**
 * Simulated clients: each runs a loop of puts and linearizable gets over a few keys
 * against whichever member it believes leads, following "not leader, leader is X" hints
 * and retrying through timeouts and crashes. A put keeps its client sequence number
 * across retries, so the state machine applies it at most once. Every operation is
 * recorded with its call and return times for the linearizability checker; one that
 * never got an answer stays pending (it may or may not have happened).
 */
import { isShoalError } from '../base/errors.ts';
import type { Rng } from '../base/rng.ts';
import type { NodeId } from '../raft/core/types.ts';
import { NotLeaderError } from '../raft/errors.ts';
import { encodeKv } from '../raft/kv.ts';
import type { SimCluster } from './cluster.ts';
import type { KvInput, KvOutput, Operation } from './linearizability.ts';
import type { Trace } from './trace.ts';

export interface WorkloadOptions {
  clients: number;
  keys: number;
  /** Clients start no new operation after this virtual time. */
  until: number;
  /** An operation is abandoned (left pending) after this long. */
  giveUpMs: number;
}

export class Workload {
  readonly history: Operation<KvInput, KvOutput>[] = [];
  completed = 0;
  private nextId = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly rng: Rng,
    private readonly trace: Trace,
    private readonly opts: WorkloadOptions,
  ) {}

  start(): void {
    for (let c = 0; c < this.opts.clients; c++) void this.client(c, this.rng.fork());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.cluster.vt.after(ms, resolve));
  }

  private async client(c: number, rng: Rng): Promise<void> {
    const vt = this.cluster.vt;
    let seq = 0;
    let guess: NodeId | undefined;
    await this.sleep(rng.int(0, 200));
    while (vt.now < this.opts.until) {
      const key = `k${rng.int(0, this.opts.keys)}`;
      const isPut = rng.chance(0.5);
      const input: KvInput = isPut ? { kind: 'put', key, value: `c${c}.${++seq}` } : { kind: 'get', key };
      const op: {
        id: number;
        client: number;
        input: KvInput;
        call: number;
        output?: KvOutput;
        ret?: number;
      } = {
        id: this.nextId++,
        client: c,
        input,
        call: vt.now,
      };
      this.history.push(op);
      const deadline = vt.now + this.opts.giveUpMs;
      const cmd = isPut
        ? encodeKv({ op: 'put', key, value: (input as { value: string }).value, client: `c${c}`, seq })
        : undefined;
      while (vt.now < deadline) {
        const live = this.cluster.live();
        const target =
          (guess && this.cluster.byId(guess)?.node ? this.cluster.byId(guess) : undefined) ??
          (live.length > 0 ? rng.pick(live) : undefined);
        if (!target?.node) {
          await this.sleep(100);
          continue;
        }
        try {
          if (cmd) {
            await target.node.propose(cmd, 1_000);
            op.output = {};
          } else {
            await target.node.linearizableRead(1_000);
            op.output = { value: target.sm.get(key) };
          }
          op.ret = vt.now;
          guess = target.id;
          this.completed++;
          break;
        } catch (e) {
          if (e instanceof NotLeaderError) {
            // Follow the hint, but never spin: hints can point back and forth while a
            // new leader is being elected.
            guess = e.leader && e.leader !== target.id ? e.leader : undefined;
            await this.sleep(guess ? 1 : 50);
          } else if (isShoalError(e)) {
            guess = undefined;
            await this.sleep(20);
          } else {
            throw e;
          }
        }
      }
      if (op.ret === undefined) this.trace.add(`client ${c} gave up on ${JSON.stringify(input)}`);
      await this.sleep(rng.int(0, 30));
    }
  }
}
