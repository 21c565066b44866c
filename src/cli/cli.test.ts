/**
 * The `shoal` CLI as a user runs it: ./bin/shoal as a subprocess against the in-process
 * API server over the memory backend (src/http/testing), on a unix socket. Checks what
 * is printed, the exit codes, and the effects seen through the API.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, type Harness, startHarness } from '../http/testing/harness.ts';

const BIN = fileURLToPath(new URL('../../bin/shoal', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the shoal CLI against a Shoal API server', () => {
  let h: Harness;
  const shoal = (args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [BIN, ...args],
        { timeout: 30_000, env: { PATH: process.env.PATH ?? '', SHOAL_HOST: `unix://${h.socket}` } },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
      child.stdin?.end(input ?? '');
    });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await shoal(args, input);
    assert.equal(r.code, 0, `shoal ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('outside a swarm: the daemon’s 503 in Docker’s words, exit 1', async () => {
    const r = await shoal(['node', 'ls']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error response from daemon: This node is not a swarm manager\./);
  });

  it('a daemon that is not there', async () => {
    const r = await new Promise<Run>((resolve) =>
      execFile(
        process.execPath,
        [BIN, '-H', 'unix:///nonexistent/shoal.sock', 'service', 'ls'],
        { env: { PATH: process.env.PATH ?? '' } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      ),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Cannot connect to the Shoal daemon at unix:\/\/\/nonexistent\/shoal\.sock/);
  });

  it('swarm init, then node ls stars this node as Leader', async () => {
    const init = await ok(['swarm', 'init', '--advertise-addr', '10.0.0.1']);
    assert.match(init, /^Swarm initialized: current node \(\w{25}\) is now a manager\./);
    assert.match(init, /shoal swarm join --token SWMTKN-1-\S+ 10\.0\.0\.1:2377/);
    await h.backend.addNode('w00000000000000000000000a', 'worker-a');
    const ls = (await ok(['node', 'ls'])).split('\n');
    assert.match(
      ls[0] ?? '',
      /^ID {28}HOSTNAME {5}STATUS {4}AVAILABILITY {3}MANAGER STATUS {3}ENGINE VERSION$/,
    );
    assert.ok(
      ls.includes(
        `${h.backend.nodeId} *   shoal-test   Ready     Active         Leader           0.1.0-test`,
      ),
    );
    assert.ok(
      ls.includes(
        'w00000000000000000000000a     worker-a     Ready     Active                          0.1.0-test',
      ),
    );
    assert.match(await ok(['swarm', 'join-token', '-q', 'worker']), /^SWMTKN-1-\S+\n$/);
  });

  it('secret create from stdin, network create / ls', async () => {
    const id = (await ok(['secret', 'create', 'pw', '-'], 'hunter2')).trim();
    assert.match(id, /^\w{25}$/);
    const stored = h.backend.store?.view((tx) => tx.secrets.get(id));
    assert.equal(Buffer.from(stored?.Spec.Data ?? '', 'base64').toString(), 'hunter2');
    const empty = await shoal(['secret', 'create', 'nothing', '-'], '');
    assert.deepEqual([empty.code, empty.stderr], [1, 'error reading from STDIN: data is empty\n']);
    const net = (await ok(['network', 'create', '-d', 'overlay', '--attachable', 'front'])).trim();
    const ls = await ok(['network', 'ls']);
    assert.match(ls, /^NETWORK ID {5}NAME {6}DRIVER {4}SCOPE\n/);
    assert.match(ls, new RegExp(`\\n${net.slice(0, 12)}   front     overlay   swarm\\n`));
  });

  it('service create -d, ls, ps, inspect', async () => {
    const out = await ok([
      'service',
      'create',
      '-d',
      '--name',
      'web',
      '--replicas',
      '2',
      '--secret',
      'pw',
      '--network',
      'front',
      '-p',
      '8080:80',
      '--env',
      'A=1',
      '--update-delay',
      '1m30s',
      'nginx:1.27',
    ]);
    assert.match(out, /^\w{25}\n$/);
    await eventually(async () => {
      const ls = await ok(['service', 'ls']);
      assert.match(ls, /^ID {13}NAME {6}MODE {9}REPLICAS {3}IMAGE {8}PORTS\n/);
      assert.match(ls, /\n\w{12} {3}web {7}replicated {3}2\/2 {8}nginx:1\.27 {3}/);
    }, 10_000);
    const ps = (await ok(['service', 'ps', 'web'])).trim().split('\n');
    assert.match(ps[0] ?? '', /^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE\s+ERROR\s+PORTS$/);
    assert.match(ps[1] ?? '', /^\w{12}\s+web\.1\s+nginx:1\.27\s+shoal-test\s+Running\s+Running /);
    assert.match(ps[2] ?? '', /^\w{12}\s+web\.2\s+/);
    const spec = JSON.parse(await ok(['service', 'inspect', 'web', '--format', '{{json .Spec}}']));
    assert.equal(spec.UpdateConfig.Delay, 90e9);
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Env, ['A=1']);
    assert.equal(spec.TaskTemplate.ContainerSpec.Secrets[0].SecretName, 'pw');
    assert.deepEqual(spec.EndpointSpec.Ports, [
      { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
    ]);
    const pretty = await ok(['service', 'inspect', '--pretty', 'web']);
    assert.match(pretty, /\nName:\t\tweb\n/);
    assert.match(pretty, /\nNetworks: front \n/);
    const json = (await ok(['service', 'ls', '--format', 'json'])).trim();
    assert.deepEqual(Object.keys(JSON.parse(json)), ['ID', 'Image', 'Mode', 'Name', 'Ports', 'Replicas']);
  });

  it('service scale waits for convergence and shows the progress', async () => {
    const out = await ok(['service', 'scale', 'web=3']);
    assert.match(out, /^web scaled to 3\noverall progress: 0 out of 3 tasks\n1\/3: {2}\n/);
    assert.match(out, /overall progress: 3 out of 3 tasks\n/);
    assert.match(out, /verify: Service \w{25} converged\n$/);
    assert.equal(
      h.backend.store?.view((tx) => tx.services.all()[0]?.Spec.Mode?.Replicated?.Replicas),
      3,
    );
  });

  it('service update -d and rollback -d', async () => {
    assert.equal(
      await ok(['service', 'update', '-d', '--image', 'nginx:1.28', '--env-add', 'B=2', 'web']),
      'web\n',
    );
    assert.equal(
      (
        await ok([
          'service',
          'inspect',
          'web',
          '--format',
          '{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.Spec.TaskTemplate.ContainerSpec.Env}}',
        ])
      ).trim(),
      'nginx:1.28 [A=1 B=2]',
    );
    assert.equal(await ok(['service', 'rollback', '-d', 'web']), 'web\n');
    assert.equal(
      (
        await ok(['service', 'inspect', 'web', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'])
      ).trim(),
      'nginx:1.27',
    );
  });

  it('errors: a taken name, scaling a global service, a missing service; exit 1', async () => {
    const taken = await shoal(['service', 'create', '-d', '--name', 'web', 'nginx']);
    assert.equal(taken.code, 1);
    assert.equal(
      taken.stderr,
      'Error response from daemon: rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists\n',
    );
    await ok(['service', 'create', '-d', '--name', 'g', '--mode', 'global', 'busybox']);
    const scale = await shoal(['service', 'scale', '-d', 'g=2']);
    assert.deepEqual(
      [scale.code, scale.stderr],
      [1, 'g: scale can only be used with replicated or replicated-job mode\n'],
    );
    const gone = await shoal(['service', 'rm', 'nope']);
    assert.deepEqual([gone.code, gone.stderr], [1, 'Error response from daemon: service nope not found\n']);
  });

  it('rm: services, then the secret and the network they used', async () => {
    assert.equal(await ok(['service', 'rm', 'web', 'g']), 'web\ng\n');
    assert.equal(await ok(['secret', 'rm', 'pw']), 'pw\n');
    assert.equal(await ok(['network', 'rm', 'front']), 'front\n');
    assert.equal(await ok(['service', 'ls', '-q']), '');
    assert.doesNotMatch(await ok(['network', 'ls']), /front/);
  });
  it('stack deploy, ls, services, ps, rm: a compose file from stdin', async () => {
    const compose = [
      'version: "3.8"',
      'services:',
      '  api:',
      '    image: busybox:1.36',
      '    deploy:',
      '      replicas: 2',
      '  cache:',
      '    image: redis:7',
      '    ports: ["6379:6379"]',
      '',
    ].join('\n');
    const deployed = await ok(['stack', 'deploy', '-c', '-', 'shop'], compose);
    assert.match(deployed, /^Creating network shop_default$/m);
    assert.match(deployed, /^Creating service shop_api$/m);
    assert.match(deployed, /^Creating service shop_cache$/m);
    assert.match(await ok(['stack', 'ls']), /^NAME\s+SERVICES\nshop\s+2\n$/);
    const services = await ok(['stack', 'services', 'shop', '--format', '{{.Name}} {{.Replicas}}']);
    assert.deepEqual(
      services
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0])
        .sort(),
      ['shop_api', 'shop_cache'],
    );
    await eventually(async () => {
      const tasks = (await ok(['stack', 'ps', 'shop', '-q'])).trim().split('\n');
      assert.equal(tasks.length, 3);
    });
    const again = await ok(['stack', 'deploy', '-c', '-', 'shop'], compose);
    assert.match(again, /^Updating service shop_api \(id: \w+\)$/m);
    const removed = await ok(['stack', 'rm', 'shop']);
    assert.match(removed, /^Removing service shop_api$/m);
    assert.match(removed, /^Removing network shop_default$/m);
    const none = await shoal(['stack', 'ps', 'shop']);
    assert.deepEqual([none.code, none.stderr], [1, 'Nothing found in stack: shop\n']);
  });
});
