/**
 * A small HTTP/1.1 keep-alive load generator on raw sockets (no per-request objects
 * beyond a Buffer slice): N connections, each sending a GET as soon as the previous
 * response is complete (closed loop).
 *
 *   node --import tsx bench/mesh/loadgen.ts HOST PORT CONNECTIONS SECONDS [WARMUP_SECONDS]
 *
 * prints one JSON line: {requests, rps, p50us, p99us, errors}.
 */
import net from 'node:net';

const [host = '127.0.0.1', port = '80', conns = '1', secs = '3', warm = '1'] = process.argv.slice(2);
const REQ = Buffer.from(`GET / HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n`);

const lat: number[] = [];
let measuring = false;
let stopping = false;
let errors = 0;

function client(): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port), noDelay: true });
    let buf: Buffer = Buffer.alloc(0);
    let t0 = 0n;
    const send = (): void => {
      if (stopping) {
        s.destroy();
        resolve();
        return;
      }
      t0 = process.hrtime.bigint();
      s.write(REQ);
    };
    s.on('connect', send);
    s.on('error', () => {
      errors++;
      resolve();
    });
    s.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const m = /content-length:\s*(\d+)/i.exec(head);
        const total = end + 4 + (m ? Number(m[1]) : 0);
        if (buf.length < total) return;
        buf = buf.subarray(total);
        if (measuring) lat.push(Number(process.hrtime.bigint() - t0) / 1000);
        send();
      }
    });
  });
}

const done = Promise.all(Array.from({ length: Number(conns) }, () => client()));
await new Promise((r) => setTimeout(r, Number(warm) * 1000));
measuring = true;
const start = performance.now();
await new Promise((r) => setTimeout(r, Number(secs) * 1000));
measuring = false;
const elapsed = (performance.now() - start) / 1000;
stopping = true;
await done;
lat.sort((a, b) => a - b);
const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ requests: lat.length, rps: Math.round(lat.length / elapsed), p50us: Math.round(q(0.5)), p99us: Math.round(q(0.99)), errors })}\n`,
);
