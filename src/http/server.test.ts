import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { realClock } from '../base/clock.ts';
import { createEphemeralCa } from '../ca/ephemeral.ts';
import { createApiServer, type RequestTrace } from './server.ts';
import { eventually } from './testing/harness.ts';
import { MemoryBackend } from './testing/memory-backend.ts';

const getText = (url: string) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    get(url, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });

describe('createApiServer', () => {
  it('listens on TCP, traces requests, and closes its streams and listeners', async (t) => {
    const backend = new MemoryBackend(realClock);
    await backend.swarm.init({});
    const traces: RequestTrace[] = [];
    const api = createApiServer({ backend, clock: realClock, trace: (tr) => traces.push(tr) });
    t.after(async () => {
      await api.close();
      backend.close();
    });
    const address = await api.listen('tcp://127.0.0.1:0');
    assert.match(address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    const base = address.replace('tcp://', 'http://');
    assert.deepEqual(await getText(`${base}/_ping`), { status: 200, text: 'OK' });

    // A follow stream stays open until close() ends it.
    const ended = new Promise<number>((resolve, reject) => {
      get(`${base}/events`, (res) => {
        res.resume();
        res.on('close', () => resolve(res.statusCode ?? 0));
      }).on('error', reject);
    });
    await eventually(() => assert.equal(backend.eventLog.subscribers, 1));
    await api.close();
    assert.equal(await ended, 200);
    assert.equal(backend.eventLog.subscribers, 0);
    await assert.rejects(getText(`${base}/_ping`));
    assert.deepEqual(
      traces.map((t) => `${t.method} ${t.url} ${t.status}`),
      ['GET /_ping 200', 'GET /events 200'],
    );
  });

  it('is a plain request listener the daemon can mount itself', async (t) => {
    const api = createApiServer({ backend: new MemoryBackend(realClock), clock: realClock });
    const server = createServer(api.handler);
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const v = await getText(`http://127.0.0.1:${port}/v1.44/version`);
    assert.equal(JSON.parse(v.text).ApiVersion, '1.47');
  });

  it('refuses a socket path that exists, rather than stealing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-http-'));
    const path = join(dir, 'api.sock');
    writeFileSync(path, '');
    const api = createApiServer({ backend: new MemoryBackend(realClock), clock: realClock });
    await assert.rejects(api.listen(path), /the socket file exists/);
    await api.close();
    rmSync(dir, { recursive: true });
  });

  it('serves TLS when given certificates', async (t) => {
    const ca = await createEphemeralCa();
    const server = await ca.issue('shoal-daemon', { ips: ['127.0.0.1'] });
    const api = createApiServer({ backend: new MemoryBackend(realClock), clock: realClock });
    t.after(() => api.close());
    const address = await api.listen('127.0.0.1:0', { tls: { key: server.keyPem, cert: server.certPem } });
    const port = Number(address.split(':').pop());
    const status = await new Promise<number>((resolve, reject) => {
      httpsRequest({ host: '127.0.0.1', port, path: '/_ping', ca: ca.caPem }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    assert.equal(status, 200);
  });
});
