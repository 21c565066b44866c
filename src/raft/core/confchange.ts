/**
 * Membership changes, one server at a time, effective on append.
 *
 * A conf entry carries the change (for the application: which node, its address in
 * `context`) and the complete configuration that results from it. Every member uses the
 * configuration of the newest conf entry in its log, committed or not; if the log is
 * truncated past that entry, the member falls back to the previous one. A leader appends
 * a new change only when the previous one is committed and it has committed an entry of
 * its own term (Ongaro's fix for single-server changes), so two configurations in use at
 * once always share a majority.
 */
import type { ConfState, NodeId } from './types.ts';

export type ConfChangeType = 'addVoter' | 'addLearner' | 'removeNode';

export interface ConfChange {
  type: ConfChangeType;
  node: NodeId;
  /** Opaque to Raft; Shoal puts the member's address here. */
  context: Uint8Array;
}

export interface ConfChangeEntry {
  change: ConfChange;
  /** The configuration that results from the change. */
  conf: ConfState;
}

/** Applies a change to a configuration; returns the new one, or why the change is refused. */
export function applyConfChange(conf: ConfState, cc: ConfChange): ConfState | string {
  const voters = conf.voters.filter((v) => v !== cc.node);
  const learners = conf.learners.filter((l) => l !== cc.node);
  const isVoter = conf.voters.includes(cc.node);
  const isLearner = conf.learners.includes(cc.node);
  if (cc.node === '') return 'conf change: empty node id';
  switch (cc.type) {
    case 'addVoter':
      if (isVoter) return `conf change: ${cc.node} is already a voter`;
      voters.push(cc.node);
      break;
    case 'addLearner':
      if (isLearner) return `conf change: ${cc.node} is already a learner`;
      learners.push(cc.node);
      break;
    case 'removeNode':
      if (!isVoter && !isLearner) return `conf change: ${cc.node} is not a member`;
      break;
  }
  if (voters.length === 0) return 'conf change: removing the last voter would leave no quorum';
  voters.sort();
  learners.sort();
  return { voters, learners };
}

export function confEqual(a: ConfState, b: ConfState): boolean {
  return (
    a.voters.length === b.voters.length &&
    a.learners.length === b.learners.length &&
    a.voters.every((v, i) => v === b.voters[i]) &&
    a.learners.every((l, i) => l === b.learners[i])
  );
}

export function describeConf(c: ConfState): string {
  const l = c.learners.length > 0 ? ` learners=(${c.learners.join(' ')})` : '';
  return `voters=(${c.voters.join(' ')})${l}`;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeConfChangeEntry(e: ConfChangeEntry): Uint8Array {
  return enc.encode(
    JSON.stringify({
      t: e.change.type,
      n: e.change.node,
      c: Buffer.from(e.change.context).toString('base64'),
      v: e.conf.voters,
      l: e.conf.learners,
    }),
  );
}

export function decodeConfChangeEntry(data: Uint8Array): ConfChangeEntry {
  const o = JSON.parse(dec.decode(data)) as {
    t: ConfChangeType;
    n: string;
    c: string;
    v: string[];
    l: string[];
  };
  return {
    change: { type: o.t, node: o.n, context: new Uint8Array(Buffer.from(o.c, 'base64')) },
    conf: { voters: o.v, learners: o.l },
  };
}
