/**
 * A small replicated key-value state machine, for tests, the simulator and the benchmark.
 * Commands carry a client id and a sequence number, and a retried command is applied at
 * most once (the client session table of the Raft thesis, §6.3): a put that timed out and
 * is sent again does not write twice.
 */
import type { StateMachine } from './node.ts';

export type KvCommand =
  | { op: 'put'; key: string; value: string; client: string; seq: number }
  | { op: 'cas'; key: string; expect: string | null; value: string; client: string; seq: number };

export interface KvResult {
  ok: boolean;
  /** The value before the command. */
  prev: string | null;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeKv(c: KvCommand): Uint8Array {
  return enc.encode(JSON.stringify(c));
}

export class KvStateMachine implements StateMachine {
  readonly data = new Map<string, string>();
  /** client -> [last seq applied, its result] */
  private sessions = new Map<string, [number, KvResult]>();
  /** Number of commands applied (duplicates excluded), for tests. */
  applies = 0;

  apply(bytes: Uint8Array): KvResult {
    const c = JSON.parse(dec.decode(bytes)) as KvCommand;
    const s = this.sessions.get(c.client);
    if (s && c.seq <= s[0]) return s[1];
    const prev = this.data.get(c.key) ?? null;
    let result: KvResult;
    if (c.op === 'put') {
      this.data.set(c.key, c.value);
      result = { ok: true, prev };
    } else if (prev === c.expect) {
      this.data.set(c.key, c.value);
      result = { ok: true, prev };
    } else {
      result = { ok: false, prev };
    }
    this.sessions.set(c.client, [c.seq, result]);
    this.applies++;
    return result;
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  snapshot(): Uint8Array {
    return enc.encode(
      JSON.stringify({ data: [...this.data], sessions: [...this.sessions], applies: this.applies }),
    );
  }

  restore(bytes: Uint8Array): void {
    const o = JSON.parse(dec.decode(bytes)) as {
      data: [string, string][];
      sessions: [string, [number, KvResult]][];
      applies: number;
    };
    this.data.clear();
    for (const [k, v] of o.data) this.data.set(k, v);
    this.sessions = new Map(o.sessions);
    this.applies = o.applies;
  }
}
