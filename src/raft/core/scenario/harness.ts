/**
 * The interpreter behind the scripted scenario tests (src/raft/core/testdata/*.txt): a
 * few RawNodes with memory storage, a message queue between them that can be partitioned,
 * and commands that drive them step by step. Each command returns the text it printed,
 * which the runner compares with the script's expected output.
 */
import { SeededRng } from '../../../base/rng.ts';
import { MemoryStorage } from '../../storage/memory.ts';
import { bootstrapEntries } from '../bootstrap.ts';
import type { ConfChange } from '../confchange.ts';
import { describeConf } from '../confchange.ts';
import { RawNode } from '../rawnode.ts';
import type { Message, NodeId } from '../types.ts';
import { formatEntries, formatMessage, formatReady } from './format.ts';

interface Member {
  id: NodeId;
  storage: MemoryStorage;
  rn: RawNode | undefined;
  /** The applied state machine: the normal entries' text, in order. */
  applied: string[];
  opts: NodeOptions;
}

interface NodeOptions {
  preVote: boolean;
  checkQuorum: boolean;
  electionTick: number;
  heartbeatTick: number;
  maxInflight: number;
  maxSizePerMsg: number;
}

export type Args = Map<string, string[]>;

const enc = new TextEncoder();
const dec = new TextDecoder();

export class Scenario {
  readonly members = new Map<NodeId, Member>();
  private queue: Message[] = [];
  private groups: NodeId[][] | undefined;

  async run(cmd: string, pos: string[], args: Args): Promise<string[]> {
    switch (cmd) {
      case 'add-nodes':
        return this.addNodes(Number(pos[0]), args);
      case 'campaign':
        this.node(pos[0]).campaign();
        return [];
      case 'propose': {
        const o = this.node(pos[0]).propose(enc.encode(pos.slice(1).join(' ')));
        return o.ok ? [] : [`refused (${o.reason}): ${o.message}`];
      }
      case 'propose-conf-change':
        return this.proposeConfChange(pos[0], args);
      case 'transfer-leadership':
        this.node(one(args, 'from')).transferLeader(one(args, 'to'));
        return [];
      case 'read-index': {
        const o = this.node(pos[0]).readIndex(enc.encode(pos[1] ?? ''));
        return o.ok ? [] : [`refused (${o.reason}): ${o.message}`];
      }
      case 'tick':
        for (let i = 0; i < Number(pos[1] ?? 1); i++) this.node(pos[0]).tick();
        return [];
      case 'tick-heartbeat':
        for (let i = 0; i < this.member(pos[0]).opts.heartbeatTick; i++) this.node(pos[0]).tick();
        return [];
      case 'tick-election': {
        const r = this.node(pos[0]).raft;
        const n = r.state === 'leader' ? r.cfg.electionTick : r.randomizedElectionTimeout - r.electionElapsed;
        for (let i = 0; i < n; i++) this.node(pos[0]).tick();
        return [];
      }
      case 'process-ready':
        return this.processReadyOf(pos.length > 0 ? pos : this.liveIds());
      case 'deliver-msgs':
        return this.deliver(pos.length > 0 ? new Set(pos) : undefined, true);
      case 'drop-msgs':
        return this.dropMsgs(pos.length > 0 ? new Set(pos) : undefined);
      case 'stabilize': {
        const out = await this.stabilize(pos.length > 0 ? pos : undefined);
        return args.get('quiet')?.[0] === 'true' ? [] : out;
      }
      case 'partition':
        this.groups = pos
          .join(' ')
          .split('|')
          .map((g) => g.trim().split(/\s+/).filter(Boolean));
        return [];
      case 'heal':
        this.groups = undefined;
        return [];
      case 'crash':
        return this.crash(pos[0]);
      case 'restart':
        this.start(this.member(pos[0]));
        return [];
      case 'compact':
        return this.compact(pos[0]);
      case 'report-unreachable':
        this.node(pos[0]).reportUnreachable(pos[1] as NodeId);
        return [];
      case 'status':
        return this.status(pos.length > 0 ? pos : this.liveIds());
      case 'log':
        return this.showLog(pos[0]);
      case 'applied':
        return (pos.length > 0 ? pos : [...this.members.keys()]).map(
          (id) => `${id}: ${this.member(id).applied.join(' ') || '(nothing)'}`,
        );
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }

  private async addNodes(n: number, args: Args): Promise<string[]> {
    const voters = args.get('voters');
    const opts: NodeOptions = {
      preVote: (args.get('prevote')?.[0] ?? 'true') === 'true',
      checkQuorum: (args.get('checkquorum')?.[0] ?? 'true') === 'true',
      electionTick: Number(args.get('election')?.[0] ?? 10),
      heartbeatTick: Number(args.get('heartbeat')?.[0] ?? 1),
      maxInflight: Number(args.get('inflight')?.[0] ?? 256),
      maxSizePerMsg: Number(args.get('max-msg-size')?.[0] ?? 1024 * 1024),
    };
    const first = this.members.size + 1;
    for (let i = first; i < first + n; i++) {
      const id = String(i);
      const storage = new MemoryStorage();
      if (voters) {
        const { hardState, entries } = bootstrapEntries(voters.map((v) => ({ id: v })));
        await storage.save(hardState, entries);
      }
      const m: Member = { id, storage, rn: undefined, applied: [], opts };
      this.members.set(id, m);
      this.start(m);
    }
    return [];
  }

  private start(m: Member): void {
    const snap = m.storage.snapshot();
    m.applied = snap.meta.index > 0 ? (JSON.parse(dec.decode(snap.data)) as string[]) : [];
    m.rn = new RawNode({
      id: m.id,
      storage: m.storage,
      rng: new SeededRng(Number(m.id) * 7919),
      applied: snap.meta.index,
      preVote: m.opts.preVote,
      checkQuorum: m.opts.checkQuorum,
      electionTick: m.opts.electionTick,
      heartbeatTick: m.opts.heartbeatTick,
      maxInflightMsgs: m.opts.maxInflight,
      maxSizePerMsg: m.opts.maxSizePerMsg,
    });
  }

  private proposeConfChange(id: string | undefined, args: Args): string[] {
    let cc: ConfChange | undefined;
    const ctx = new Uint8Array(0);
    const v = args.get('add-voter')?.[0];
    const l = args.get('add-learner')?.[0];
    const r = args.get('remove')?.[0];
    if (v) cc = { type: 'addVoter', node: v, context: ctx };
    else if (l) cc = { type: 'addLearner', node: l, context: ctx };
    else if (r) cc = { type: 'removeNode', node: r, context: ctx };
    if (!cc) throw new Error('propose-conf-change needs add-voter=, add-learner= or remove=');
    const o = this.node(id).proposeConfChange(cc);
    return o.ok ? [] : [`refused (${o.reason}): ${o.message}`];
  }

  private async processReady(m: Member): Promise<string[]> {
    const rn = m.rn as RawNode;
    const rd = rn.ready();
    if (rd.snapshot) {
      await m.storage.installSnapshot(rd.snapshot);
      m.applied = JSON.parse(dec.decode(rd.snapshot.data)) as string[];
    }
    if (rd.hardState || rd.entries.length > 0) await m.storage.save(rd.hardState ?? null, rd.entries);
    this.queue.push(...rd.messages);
    for (const e of rd.committedEntries) {
      if (e.type === 'normal' && e.data.byteLength > 0) m.applied.push(dec.decode(e.data));
    }
    rn.advance(rd);
    return formatReady(rd).map((l) => `  ${l}`);
  }

  private async processReadyOf(ids: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of ids) {
      const m = this.member(id);
      if (!m.rn?.hasReady()) continue;
      out.push(`> ${id} ready`, ...(await this.processReady(m)));
    }
    return out;
  }

  private canReach(from: NodeId, to: NodeId): boolean {
    if (!this.groups) return true;
    const gf = this.groups.findIndex((g) => g.includes(from));
    const gt = this.groups.findIndex((g) => g.includes(to));
    return gf === gt;
  }

  private deliver(only: Set<string> | undefined, print: boolean): string[] {
    const out: string[] = [];
    const keep: Message[] = [];
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) {
      if (only && !only.has(m.to)) {
        keep.push(m);
        continue;
      }
      const target = this.members.get(m.to);
      if (!target?.rn || !this.canReach(m.from, m.to)) {
        out.push(`> dropped ${formatMessage(m)}`);
        continue;
      }
      if (print) out.push(`> deliver ${formatMessage(m)}`);
      target.rn.step(m);
      if (m.type === 'snap') this.members.get(m.from)?.rn?.reportSnapshot(m.to, true);
    }
    this.queue = keep.concat(this.queue);
    return out;
  }

  private dropMsgs(only: Set<string> | undefined): string[] {
    const out: string[] = [];
    this.queue = this.queue.filter((m) => {
      if (only && !only.has(m.to)) return true;
      out.push(`> dropped ${formatMessage(m)}`);
      return false;
    });
    return out;
  }

  private async stabilize(ids: string[] | undefined): Promise<string[]> {
    const set = ids ? new Set(ids) : undefined;
    const out: string[] = [];
    for (let round = 0; round < 1000; round++) {
      const live = this.liveIds().filter((id) => !set || set.has(id));
      const ready = live.filter((id) => this.member(id).rn?.hasReady());
      const pending = this.queue.some((m) => !set || set.has(m.to));
      if (ready.length === 0 && !pending) return out;
      out.push(...(await this.processReadyOf(ready)));
      out.push(...this.deliver(set, false));
    }
    throw new Error('stabilize: no quiescence after 1000 rounds');
  }

  private crash(id: string | undefined): string[] {
    const m = this.member(id);
    m.rn = undefined;
    m.storage = MemoryStorage.restore(m.storage.crashImage());
    this.queue = this.queue.filter((msg) => msg.to !== m.id && msg.from !== m.id);
    return [];
  }

  private async compact(id: string | undefined): Promise<string[]> {
    const m = this.member(id);
    const rn = m.rn as RawNode;
    const st = rn.status();
    const snap = await m.storage.createSnapshot(
      st.applied,
      st.conf,
      enc.encode(JSON.stringify(m.applied)),
      0,
    );
    return [
      `${m.id}: snapshot at ${snap.meta.term}/${snap.meta.index}, log starts at ${m.storage.firstIndex()}`,
    ];
  }

  private status(ids: readonly string[]): string[] {
    const out: string[] = [];
    for (const id of ids) {
      const rn = this.member(id).rn;
      if (!rn) {
        out.push(`${id}: crashed`);
        continue;
      }
      const s = rn.status();
      out.push(
        `${id}: ${s.state} term=${s.term} lead=${s.lead || '-'} commit=${s.commit} applied=${s.applied} ${describeConf(s.conf)}`,
      );
      for (const [pid, p] of [...s.progress].sort(([a], [b]) => a.localeCompare(b))) {
        out.push(`  ${pid}: ${p.state} match=${p.match} next=${p.next}${p.isLearner ? ' learner' : ''}`);
      }
    }
    return out;
  }

  private showLog(id: string | undefined): string[] {
    const r = this.node(id).raft;
    const first = r.log.firstIndex();
    const last = r.log.lastIndex();
    const ents = last >= first ? r.log.slice(first, last + 1, Number.MAX_SAFE_INTEGER) : [];
    return [
      `${id}: first=${first} last=${last} commit=${r.log.committed}`,
      `  ${formatEntries(ents) || '(empty)'}`,
    ];
  }

  private liveIds(): string[] {
    return [...this.members.values()].filter((m) => m.rn).map((m) => m.id);
  }

  private member(id: string | undefined): Member {
    const m = id === undefined ? undefined : this.members.get(id);
    if (!m) throw new Error(`no node ${id}`);
    return m;
  }

  node(id: string | undefined): RawNode {
    const rn = this.member(id).rn;
    if (!rn) throw new Error(`node ${id} is crashed`);
    return rn;
  }
}

function one(args: Args, key: string): string {
  const v = args.get(key)?.[0];
  if (v === undefined) throw new Error(`missing ${key}=`);
  return v;
}
