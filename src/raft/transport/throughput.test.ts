/**
 * Throughput of GrpcTransport between two members in one process, printed, not asserted:
 * 'app' messages with 256-byte entries, sent the way the Raft driver does (a Ready's
 * messages per send() call) with a bounded number in flight. Longer runs:
 * SHOAL_TRANSPORT_BENCH_MS=10000 node scripts/run-tests.mjs transport/throughput
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testCa } from '../../../test/fixtures/tls.ts';
import type { Message } from '../core/types.ts';
import { appMessage, type Started, startTransport } from './testkit.ts';

const runMs = Number(process.env.SHOAL_TRANSPORT_BENCH_MS ?? 1500);
let a: Started;
let b: Started;

before(async () => {
  const ca = await testCa();
  const tls = async (id: string) => {
    const c = await ca.issue(id);
    return { key: c.keyPem, cert: c.certPem, ca: ca.caPem };
  };
  a = await startTransport('t1', await tls('t1'));
  b = await startTransport('t2', await tls('t2'));
  a.t.addPeer('t2', b.t.address());
});

after(async () => {
  await a.t.close();
  await b.t.close();
});

/** Sends for `runMs`: `perSend` messages per send() call, at most `window` not yet received. */
async function measure(entriesPerMessage: number, perSend: number, window: number) {
  const template: Message[] = Array.from({ length: perSend }, (_, i) =>
    appMessage('t1', 't2', i + 1, entriesPerMessage),
  );
  const base = b.inbox.messages.length;
  let sent = 0;
  const start = performance.now();
  while (performance.now() - start < runMs) {
    if (sent - (b.inbox.messages.length - base) < window) {
      a.t.send(template);
      sent += perSend;
    }
    await new Promise((r) => setImmediate(r));
  }
  while (b.inbox.messages.length - base < sent) await new Promise((r) => setTimeout(r, 1));
  const secs = (performance.now() - start) / 1000;
  b.inbox.messages.length = 0;
  assert.deepEqual(a.inbox.unreachable, []);
  return {
    messagesPerSec: Math.round(sent / secs),
    entriesPerSec: Math.round((sent * entriesPerMessage) / secs),
  };
}

describe('GrpcTransport throughput (no assertion on speed)', () => {
  for (const [entries, perSend, window] of [
    [1, 64, 4096],
    [1, 1, 4096],
    [16, 16, 1024],
  ] as const) {
    it(`${entries} x 256-byte entries per message, ${perSend} messages per send()`, async (t) => {
      const r = await measure(entries, perSend, window);
      const line = `${entries} entr${entries === 1 ? 'y' : 'ies'}/msg, ${perSend}/send: ${r.messagesPerSec} messages/s, ${r.entriesPerSec} entries/s`;
      t.diagnostic(line);
      console.log(`# throughput ${line}`);
    });
  }
});
