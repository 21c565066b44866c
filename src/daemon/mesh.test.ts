// The routing mesh with real daemons and real processes (the process executor): a
// published port answers on every node, spreads over the service's tasks wherever they
// run, follows a task that dies, refuses at once with no task, carries UDP, and a
// host-mode port answers on its own node only.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { until } from '../../test/support/until.ts';
import { type DaemonHandle, LocalDaemons } from '../demo/daemons.ts';
import { WEB_SERVER } from '../demo/service.ts';

const HOSTS = ['127.0.0.90', '127.0.0.91', '127.0.0.92'];
const dir = mkdtempSync(join(tmpdir(), 'shoal-mesh-'));
const cluster = new LocalDaemons({ dir, count: 3, executor: 'process', firstHost: 90 });

const UDP_ECHO = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(Buffer.concat([Buffer.from(process.env.SHOAL_TASK_NAME + ': '), m]), r.port, r.address));
s.bind(Number(process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;
const HOST_MODE = `
require('node:http').createServer((q, r) => r.end('host mode on ' + process.env.SHOAL_NODE_HOSTNAME + '\\n'))
  .listen(Number(process.env.PORT), process.env.SHOAL_NODE_ADDR);
process.on('SIGTERM', () => process.exit(0));
`;

function get(host: string, port: number, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = request({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve(body.trim()));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error('timed out')));
    r.on('error', reject);
    r.end();
  });
}

function udp(host: string, port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('no UDP answer'));
    }, 2_000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString());
    });
    s.send(msg, port, host);
  });
}

interface TaskInfo {
  ID: string;
  NodeID?: string;
  ServiceID: string;
  DesiredState: string;
  Status: { State: string; ContainerStatus?: { PID?: number } };
}

describe('routing mesh across daemons (process executor)', () => {
  let m: DaemonHandle;
  const nodeName = new Map<string, string>();
  const running = async (service: string): Promise<TaskInfo[]> => {
    const f = encodeURIComponent(JSON.stringify({ service: [service], 'desired-state': ['running'] }));
    const tasks = await m.engine.get<TaskInfo[]>(`/tasks?filters=${f}`);
    return tasks.filter((t) => t.Status.State === 'running');
  };

  before(async () => {
    await cluster.start();
    const [first, ...workers] = cluster.daemons as [DaemonHandle, ...DaemonHandle[]];
    m = first;
    await m.engine.post('/swarm/init', { ListenAddr: m.addr, AdvertiseAddr: m.addr });
    const swarm = await m.engine.get<{ JoinTokens: { Worker: string } }>('/swarm');
    for (const w of workers)
      await w.engine.post('/swarm/join', {
        ListenAddr: w.addr,
        AdvertiseAddr: w.addr,
        RemoteAddrs: [m.addr],
        JoinToken: swarm.JoinTokens.Worker,
      });
    await until('3 ready nodes', async () => {
      const nodes =
        await m.engine.get<
          Array<{ ID: string; Status: { State: string }; Description?: { Hostname?: string } }>
        >('/nodes');
      for (const n of nodes) nodeName.set(n.ID, n.Description?.Hostname ?? '');
      return nodes.length === 3 && nodes.every((n) => n.Status.State === 'ready' && n.Description?.Hostname)
        ? true
        : undefined;
    });
  });
  after(async () => {
    try {
      for (const s of ['web', 'echo', 'pinned'])
        await m?.engine.call('DELETE', `/services/${s}`).catch(() => undefined);
      await until(
        'tasks gone',
        async () => ((await m.engine.get<unknown[]>('/tasks')).length === 0 ? true : undefined),
        15_000,
      ).catch(() => undefined);
    } finally {
      await cluster.stop(3_000);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a 2-replica service on the workers answers on every node, spread over both tasks', async () => {
    await m.engine.post('/services/create', {
      Name: 'web',
      TaskTemplate: {
        ContainerSpec: { Image: 'node:20', Command: [process.execPath, '-e', WEB_SERVER] },
        Placement: { Constraints: ['node.role==worker'] },
        RestartPolicy: { Condition: 'any', Delay: 200_000_000 },
      },
      Mode: { Replicated: { Replicas: 2 } },
      EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 18080 }] },
    });
    const tasks = await until('2 running tasks on 2 workers', async () => {
      const t = await running('web');
      return t.length === 2 && new Set(t.map((x) => x.NodeID)).size === 2 ? t : undefined;
    });
    assert.ok(
      tasks.every((t) => nodeName.get(t.NodeID ?? '') !== 'node1'),
      'no task on the manager',
    );
    // The manager (node1) runs no task of web, and answers too.
    await until('the mesh on every node', async () => {
      const answers = await Promise.all(HOSTS.map((h) => get(h, 18080)));
      return answers.every((a) => a.startsWith('hello from')) ? true : undefined;
    });
    for (const host of HOSTS) {
      const seen = new Map<string, number>();
      for (let i = 0; i < 100; i++) {
        const body = await get(host, 18080);
        seen.set(body, (seen.get(body) ?? 0) + 1);
      }
      assert.equal(seen.size, 2, `${host}: ${[...seen.keys()].join(' | ')}`);
      for (const [body, n] of seen) assert.ok(n >= 40, `${host}: ${n} of 100 to "${body}"`);
    }
  });

  it('a task killed: one second later, no request fails', async () => {
    const [victim] = await running('web');
    const pid = victim?.Status.ContainerStatus?.PID;
    assert.ok(pid, 'the task reports its PID');
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1_000));
    let failed = 0;
    for (let i = 0; i < 100; i++) {
      try {
        await get(HOSTS[i % 3] as string, 18080);
      } catch {
        failed++;
      }
    }
    assert.equal(failed, 0);
    await until('the task replaced', async () => ((await running('web')).length === 2 ? true : undefined));
  });

  it('scaled to 0: connections are refused at once, not left hanging', async () => {
    const svc = await m.engine.get<{ Version: { Index: number }; Spec: Record<string, unknown> }>(
      '/services/web',
    );
    await m.engine.post(`/services/web/update?version=${svc.Version.Index}`, {
      ...svc.Spec,
      Mode: { Replicated: { Replicas: 0 } },
    });
    await until('no task running', async () => ((await running('web')).length === 0 ? true : undefined));
    await until('refused on every node', async () => {
      for (const h of HOSTS) {
        const t0 = Date.now();
        const err = await get(h, 18080, 2_000).then(
          () => undefined,
          (e: Error) => e,
        );
        if (!err || Date.now() - t0 > 1_000) return undefined;
      }
      return true;
    });
  });

  it('a UDP echo service answers through the mesh on every node', async () => {
    await m.engine.post('/services/create', {
      Name: 'echo',
      TaskTemplate: { ContainerSpec: { Image: 'node:20', Command: [process.execPath, '-e', UDP_ECHO] } },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Ports: [{ Protocol: 'udp', TargetPort: 9, PublishedPort: 19090 }] },
    });
    for (const h of HOSTS) {
      const answer = await until(`UDP on ${h}`, () => udp(h, 19090, `ping ${h}`));
      assert.match(answer, new RegExp(`^echo\\.1: ping ${h.replaceAll('.', '\\.')}$`));
    }
  });

  it('a host-mode port answers only on the node that runs its task', async () => {
    await m.engine.post('/services/create', {
      Name: 'pinned',
      TaskTemplate: {
        ContainerSpec: { Image: 'node:20', Command: [process.execPath, '-e', HOST_MODE] },
        Placement: { Constraints: ['node.hostname==node2'] },
      },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: {
        Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 18181, PublishMode: 'host' }],
      },
    });
    const body = await until('host mode on node2', () => get('127.0.0.91', 18181));
    assert.equal(body, 'host mode on node2');
    for (const h of ['127.0.0.90', '127.0.0.92']) {
      await assert.rejects(get(h, 18181, 1_000), `${h} must not answer`);
    }
  });
  it('a published port a node cannot open shows in its status, and clears once it opens', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(18282, '127.0.0.92', r));
    const node3 = [...nodeName].find(([, name]) => name === 'node3')?.[0] as string;
    const message = async () =>
      (await m.engine.get<{ Status: { Message?: string } }>(`/nodes/${node3}`)).Status.Message ?? '';
    try {
      await m.engine.post('/services/create', {
        Name: 'blocked',
        TaskTemplate: { ContainerSpec: { Image: 'node:20', Command: [process.execPath, '-e', WEB_SERVER] } },
        Mode: { Replicated: { Replicas: 1 } },
        EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 18282 }] },
      });
      const shown = await until('the problem in node3 status', async () => {
        const msg = await message();
        return msg.includes('18282/tcp') ? msg : undefined;
      });
      assert.match(shown, /^routing mesh: 18282\/tcp of service blocked \(\w{25}\): .*EADDRINUSE/);
      // ...and a service event says it too.
      const events = await m.engine.get<unknown>(
        `/events?since=${Math.floor(Date.now() / 1000) - 60}&until=${Math.floor(Date.now() / 1000) + 1}&filters=${encodeURIComponent('{"type":{"service":true}}')}`,
      );
      const text = typeof events === 'string' ? events : JSON.stringify(events);
      assert.match(text, /"mesh\.port":"18282\/tcp"/);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    await until('the problem cleared', async () => ((await message()) === '' ? true : undefined), 20_000);
    assert.match(await get('127.0.0.92', 18282), /^hello from/);
    await m.engine.call('DELETE', '/services/blocked');
  });
});
