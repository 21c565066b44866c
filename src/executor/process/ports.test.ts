/** A host port per target port: given to the process, distinct, released on remove. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, describe, it } from 'node:test';
import type { Task } from '../../api/task.ts';
import { PortAllocator, portEnv } from './ports.ts';
import { collect, type Sandbox, sandbox, started } from './testkit.ts';

const endpoint: Partial<Task> = {
  Endpoint: {
    Ports: [
      { TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' },
      { TargetPort: 53, Protocol: 'udp' },
      { TargetPort: 80, PublishedPort: 8081, Protocol: 'tcp' },
    ],
  },
};

const get = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });

describe('process executor: ports', () => {
  const boxes: Sandbox[] = [];
  const box = (): Sandbox => {
    const b = sandbox();
    boxes.push(b);
    return b;
  };
  after(() => {
    for (const b of boxes) b.cleanup();
  });

  it('each distinct target port gets a host port, in the environment as PORT and SHOAL_PORT_*', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(
      ex,
      {
        Image: 'busybox',
        Command: ['sh', '-c', 'echo "$PORT $SHOAL_PORT_80 $SHOAL_PORT_53_UDP $SHOAL_PORTS"'],
      },
      { task: endpoint },
    );
    await ctlr.wait();
    const ports = ctlr.ports();
    assert.deepEqual(
      ports.map((p) => [p.protocol, p.targetPort, p.publishedPort]),
      [
        ['tcp', 80, 8080],
        ['udp', 53, undefined],
      ],
    );
    const [web, dns] = ports;
    assert.notEqual(web!.hostPort, 80);
    const [line] = await collect(ctlr.logs());
    assert.equal(
      line,
      `stdout:${web!.hostPort} ${web!.hostPort} ${dns!.hostPort} 80/tcp=${web!.hostPort},53/udp=${dns!.hostPort}`,
    );
    assert.deepEqual(ex.ports(ctlr.taskId), ports);
    await ctlr.remove();
    await ex.dispose();
  });

  it('the process serves on its port, reachable from the node', async () => {
    const b = box();
    const ex = b.executor();
    const server =
      "require('http').createServer((q,s)=>s.end('hello from '+process.env.SHOAL_TASK_ID)).listen(+process.env.PORT)";
    const { task, ctlr } = await started(ex, { Image: 'node:20', Args: ['-e', server] }, { task: endpoint });
    const port = ctlr.ports()[0]!.hostPort;
    let body = '';
    for (let i = 0; i < 100 && !body; i++) {
      body = await get(port).catch(() => ''); // until the server listens
      if (!body) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(body, `hello from ${task.ID}`);
    await ctlr.remove();
    await ex.dispose();
  });

  it('two tasks never share a port; a range is honoured; remove releases', async () => {
    const alloc = new PortAllocator({ range: [41000, 41010], host: '127.0.0.1' });
    const a = await alloc.assign([{ TargetPort: 80 }]);
    const b = await alloc.assign([{ TargetPort: 80 }]);
    assert.notEqual(a[0]!.hostPort, b[0]!.hostPort);
    assert.ok(a[0]!.hostPort >= 41000 && b[0]!.hostPort <= 41010);
    alloc.release(a);
    const c = await alloc.assign([{ TargetPort: 80 }]);
    assert.equal(c[0]!.hostPort, a[0]!.hostPort);
    assert.deepEqual(portEnv([]), []);
  });
});
