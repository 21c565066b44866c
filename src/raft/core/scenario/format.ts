/**
 * Human-readable one-line forms of entries, messages and Readys, used by the scripted
 * scenario tests (testdata/*.txt) and by simulation traces.
 */
import { decodeConfChangeEntry, describeConf } from '../confchange.ts';
import type { Ready } from '../rawnode.ts';
import type { Entry, HardState, Message } from '../types.ts';

const dec = new TextDecoder();

export function formatEntry(e: Entry): string {
  if (e.type === 'conf') {
    const { change } = decodeConfChangeEntry(e.data);
    return `${e.term}/${e.index} ${change.type}(${change.node})`;
  }
  if (e.data.byteLength === 0) return `${e.term}/${e.index} noop`;
  const text = dec.decode(e.data);
  const shown =
    /^[\x20-\x7e]*$/.test(text) && text.length <= 24 ? JSON.stringify(text) : `<${e.data.byteLength} bytes>`;
  return `${e.term}/${e.index} ${shown}`;
}

export function formatEntries(ents: readonly Entry[]): string {
  return ents.map(formatEntry).join(', ');
}

export function formatHardState(h: HardState): string {
  return `term=${h.term} vote=${h.vote || '-'} commit=${h.commit}`;
}

export function formatMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'app':
      s += ` log=${m.logTerm}/${m.index} commit=${m.commit}`;
      if (m.entries.length > 0) s += ` [${formatEntries(m.entries)}]`;
      break;
    case 'appResp':
      s += m.reject ? ` rejected index=${m.index} hint=${m.logTerm}/${m.rejectHint}` : ` index=${m.index}`;
      break;
    case 'vote':
    case 'preVote':
      s += ` last=${m.logTerm}/${m.index}`;
      if (m.force) s += ' force';
      break;
    case 'voteResp':
    case 'preVoteResp':
      s += m.reject ? ' rejected' : ' granted';
      break;
    case 'heartbeat':
      s += ` commit=${m.commit}`;
      break;
    case 'snap':
      if (m.snapshot) {
        const meta = m.snapshot.meta;
        s += ` snapshot=${meta.term}/${meta.index} ${describeConf(meta.conf)}`;
      }
      break;
    case 'readIndexResp':
      s += ` index=${m.index}`;
      break;
    default:
      break;
  }
  if (m.context && m.context.byteLength > 0 && m.type !== 'snap') s += ` ctx=${dec.decode(m.context)}`;
  return s;
}

/** The lines describing one Ready, indented by the caller. */
export function formatReady(rd: Ready): string[] {
  const out: string[] = [];
  if (rd.softState) out.push(`state: ${rd.softState.state} lead=${rd.softState.lead || '-'}`);
  if (rd.hardState) out.push(`hard state: ${formatHardState(rd.hardState)}`);
  if (rd.snapshot) out.push(`install snapshot: ${rd.snapshot.meta.term}/${rd.snapshot.meta.index}`);
  if (rd.entries.length > 0) out.push(`persist: ${formatEntries(rd.entries)}`);
  if (rd.committedEntries.length > 0) out.push(`apply: ${formatEntries(rd.committedEntries)}`);
  for (const m of rd.messages) out.push(`send: ${formatMessage(m)}`);
  for (const rs of rd.readStates) out.push(`read state: index=${rs.index} ctx=${dec.decode(rs.context)}`);
  return out;
}
