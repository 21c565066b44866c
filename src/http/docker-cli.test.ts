/**
 * The real docker CLI (on the PATH) against the in-process server and the memory backend:
 * what a user types, what they see. Every request body the CLI sent is checked against the
 * swagger's body schema (Go's nulls stripped), every JSON answer against its response
 * schema (the harness does that for its own requests; here the CLI's are re-played from
 * the traces). Skipped, saying so, when there is no docker CLI.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SWARM_MESSAGES } from './errors.ts';
import { loadEngineSchema } from './testing/engine-schema.ts';
import { eventually, type Harness, specPath, startHarness } from './testing/harness.ts';

function dockerVersion(): string | undefined {
  try {
    return execFileSync('docker', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const version = dockerVersion();
if (version === undefined) console.log('# docker CLI not on the PATH: the CLI tests are skipped');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the docker CLI against Shoal', { skip: version === undefined ? 'no docker CLI' : false }, () => {
  let h: Harness;
  let config = '';
  const docker = (args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(
        'docker',
        args,
        {
          timeout: 20_000,
          env: {
            PATH: process.env.PATH ?? '',
            DOCKER_HOST: `unix://${h.socket}`,
            DOCKER_CONFIG: config,
            DOCKER_CLI_HINTS: 'false',
          },
        },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await docker(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    h = await startHarness();
    config = mkdtempSync(join(tmpdir(), 'shoal-docker-config-'));
  });
  after(async () => {
    await h.close();
    rmSync(config, { recursive: true, force: true });
  });

  it('docker node ls outside a swarm: Docker’s words', async () => {
    const r = await docker(['node', 'ls']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `Error response from daemon: ${SWARM_MESSAGES.notInSwarmManager}`);
  });

  it('docker swarm init, docker version, docker info', async () => {
    const init = await ok(['swarm', 'init', '--advertise-addr', '10.0.0.1']);
    assert.match(init, /^Swarm initialized: current node \(\w{25}\) is now a manager\./);
    assert.match(init, /docker swarm join --token SWMTKN-1-\S+ 10\.0\.0\.1:2377/);
    const v = await ok([
      'version',
      '--format',
      '{{.Server.Version}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}}',
    ]);
    assert.equal(v.trim(), '0.1.0-test 1.47 1.24');
    const info = await ok(['info']);
    assert.match(info, /Swarm: active/);
    assert.match(info, /Is Manager: true/);
    assert.match(info, /Managers: 1\n\s+Nodes: 1/);
    const swarm = JSON.parse(await ok(['info', '--format', '{{json .Swarm}}']));
    assert.equal(swarm.LocalNodeState, 'active');
    assert.equal(swarm.ControlAvailable, true);
    assert.equal(swarm.NodeID, h.backend.nodeId);
    assert.match(await ok(['swarm', 'join-token', '-q', 'worker']), /^SWMTKN-1-/);
  });

  it('docker node ls / inspect / update', async () => {
    await h.backend.addNode('w00000000000000000000000a', 'worker-a');
    const ls = (await ok(['node', 'ls'])).trim().split('\n');
    assert.match(ls[0] ?? '', /^ID\s+HOSTNAME\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS\s+ENGINE VERSION$/);
    const me = ls.find((l) => l.startsWith(h.backend.nodeId));
    assert.match(me ?? '', /^\w{25} \*\s+shoal-test\s+Ready\s+Active\s+Leader\s+0\.1\.0-test$/);
    assert.ok(
      ls.some((l) => /^w00000000000000000000000a\s+worker-a\s+Ready\s+Active\s+0\.1\.0-test$/.test(l)),
    );
    assert.equal(
      (await ok(['node', 'update', '--availability', 'drain', '--label-add', 'zone=a', 'worker-a'])).trim(),
      'worker-a',
    );
    const n = await ok([
      'node',
      'inspect',
      'worker-a',
      '--format',
      '{{.Spec.Availability}} {{index .Spec.Labels "zone"}}',
    ]);
    assert.equal(n.trim(), 'drain a');
    assert.match(await ok(['node', 'inspect', '--pretty', 'self']), /Hostname:\s+shoal-test/);
  });

  it('docker network create -d overlay / ls / inspect', async () => {
    const id = (
      await ok([
        'network',
        'create',
        '-d',
        'overlay',
        '--attachable',
        '--subnet',
        '10.9.0.0/24',
        '--label',
        'x=y',
        'net1',
      ])
    ).trim();
    assert.match(id, /^\w{25}$/);
    const ls = await ok(['network', 'ls']);
    assert.match(ls, new RegExp(`${id.slice(0, 12)}\\s+net1\\s+overlay\\s+swarm`));
    assert.match(ls, /ingress\s+overlay\s+swarm/);
    const inspected = JSON.parse(await ok(['network', 'inspect', 'net1']))[0];
    assert.deepEqual(
      [inspected.Id, inspected.Attachable, inspected.IPAM.Config[0].Subnet],
      [id, true, '10.9.0.0/24'],
    );
    const dup = await docker(['network', 'create', '-d', 'overlay', 'net1']);
    assert.equal(dup.stderr.trim(), 'Error response from daemon: network with name net1 already exists');
  });

  it('docker secret create / ls, docker config create / ls', async () => {
    const id = (await ok(['secret', 'create', 'pw', '-'], 'hunter2')).trim();
    assert.match(id, /^\w{25}$/);
    assert.match(await ok(['secret', 'ls']), new RegExp(`${id}\\s+pw\\s+`));
    const shown = JSON.parse(await ok(['secret', 'inspect', 'pw']))[0];
    assert.equal(shown.Spec.Data, undefined);
    await ok(['config', 'create', 'cfg', '-'], 'a=1');
    assert.match(await ok(['config', 'ls']), /\s+cfg\s+/);
    assert.equal(
      (await ok(['config', 'inspect', 'cfg', '--format', '{{printf "%s" .Spec.Data}}'])).trim(),
      'a=1',
    );
  });

  it('docker service create / ls / ps / inspect', async () => {
    const r = await docker([
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
      'net1',
      '-p',
      '8080:80',
      '--health-cmd',
      'true',
      '--label',
      'a=b',
      'nginx:1.27',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\w{25}$/);
    assert.match(r.stderr, /image nginx:1\.27 could not be accessed on a registry to record\nits digest/);
    await eventually(
      async () => assert.match(await ok(['service', 'ls']), /\s+web\s+replicated\s+2\/2\s+nginx:1\.27/),
      5000,
    );
    const ps = (await ok(['service', 'ps', 'web'])).trim().split('\n');
    assert.equal(ps.length, 3);
    assert.match(ps[1] ?? '', /^\w{12}\s+web\.1\s+nginx:1\.27\s+shoal-test\s+Running\s+Running /);
    assert.match(ps[2] ?? '', /^\w{12}\s+web\.2\s+nginx:1\.27\s+shoal-test\s+Running\s+Running /);
    const fmt = await ok([
      'service',
      'inspect',
      'web',
      '--format',
      '{{.Spec.Name}} {{.Spec.Mode.Replicated.Replicas}} {{index .Spec.Labels "a"}} {{.Spec.TaskTemplate.ContainerSpec.Healthcheck.Test}}',
    ]);
    assert.equal(fmt.trim(), 'web 2 b [CMD-SHELL true]');
    const pretty = await ok(['service', 'inspect', '--pretty', 'web']);
    assert.match(pretty, /Name:\s+web/);
    assert.match(pretty, /Networks: net1/);
    assert.match(pretty, /Target:\s+pw/);
    const taken = await docker(['service', 'create', '-d', '--name', 'web', '--no-resolve-image', 'nginx']);
    assert.equal(taken.code, 1);
    assert.equal(
      taken.stderr.trim(),
      'Error response from daemon: rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists',
    );
  });

  it('docker service create without -d waits for convergence', async () => {
    const out = await ok([
      'service',
      'create',
      '--name',
      'quick',
      '--update-monitor',
      '200ms',
      '--no-resolve-image',
      'busybox:1',
    ]);
    assert.match(out, /verify: Service \w+ converged/);
    assert.equal((await ok(['service', 'rm', 'quick'])).trim(), 'quick');
  });

  it('docker service scale / update / rollback', async () => {
    assert.equal((await ok(['service', 'scale', '-d', 'web=3'])).trim(), 'web scaled to 3');
    await eventually(
      async () => assert.match(await ok(['service', 'ls']), /\s+web\s+replicated\s+3\/3\s+/),
      5000,
    );
    assert.equal((await ok(['service', 'update', '-d', '--image', 'nginx:1.28', 'web'])).trim(), 'web');
    assert.equal(
      (
        await ok(['service', 'inspect', 'web', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'])
      ).trim(),
      'nginx:1.28',
    );
    await eventually(async () => {
      const running = (
        await ok(['service', 'ps', 'web', '--filter', 'desired-state=running', '--format', '{{.Image}}'])
      ).trim();
      assert.deepEqual(running.split('\n'), ['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
    }, 5000);
    assert.match(await ok(['service', 'rollback', '-d', 'web']), /^web\n/);
    assert.equal(
      (
        await ok([
          'service',
          'inspect',
          'web',
          '--format',
          '{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.UpdateStatus.State}}',
        ])
      ).trim(),
      'nginx:1.27 rollback_started',
    );
  });

  it('docker service logs', async () => {
    const tasks = (
      await h.request(
        'GET',
        `/tasks?filters=${encodeURIComponent('{"service":["web"],"desired-state":["running"]}')}`,
      )
    ).json as Array<{ ID: string; Slot: number; ServiceID: string }>;
    const t = tasks.find((x) => x.Slot === 1);
    assert.ok(t);
    h.backend.pushLog({
      time: Date.now(),
      stream: 'stdout',
      line: 'hello from web',
      context: { nodeId: h.backend.nodeId, serviceId: t.ServiceID, taskId: t.ID },
    });
    h.backend.pushLog({
      time: Date.now(),
      stream: 'stderr',
      line: 'oops',
      context: { nodeId: h.backend.nodeId, serviceId: t.ServiceID, taskId: t.ID },
    });
    const r = await docker(['service', 'logs', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `web.1.${t.ID.slice(0, 12)}@shoal-test    | hello from web\n`);
    assert.equal(r.stderr, `web.1.${t.ID.slice(0, 12)}@shoal-test    | oops\n`);
    const raw = await ok(['service', 'logs', '--raw', '--timestamps', '--tail', '2', t.ID]);
    assert.match(raw, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hello from web\n$/);
  });

  it('docker events', async () => {
    // The CLI sends `--until 0s` as whole seconds: ask for a moment ahead instead, and the
    // stream ends there, after replaying what the server remembers.
    const until = new Date(Date.now() + 1000).toISOString();
    const out = await ok([
      'events',
      '--since',
      '10m',
      '--until',
      until,
      '--filter',
      'type=service',
      '--format',
      '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}',
    ]);
    const lines = out.trim().split('\n');
    assert.ok(lines.includes('service create web'), out);
    assert.ok(lines.includes('service remove quick'), out);
    assert.ok(
      lines.some((l) => l === 'service update web'),
      out,
    );
  });

  it('docker service rm / secret rm / network rm, with in-use refusals first', async () => {
    const busy = await docker(['network', 'rm', 'net1']);
    assert.match(
      busy.stderr,
      /Error response from daemon: rpc error: code = FailedPrecondition desc = network \w+ is in use by service \w+/,
    );
    const secretBusy = await docker(['secret', 'rm', 'pw']);
    assert.match(secretBusy.stderr, /secret 'pw' is in use by the following service: web/);
    assert.equal((await ok(['service', 'rm', 'web'])).trim(), 'web');
    assert.equal((await ok(['secret', 'rm', 'pw'])).trim(), 'pw');
    assert.equal((await ok(['config', 'rm', 'cfg'])).trim(), 'cfg');
    assert.equal((await ok(['network', 'rm', 'net1'])).trim(), 'net1');
    assert.equal((await ok(['service', 'ls', '-q'])).trim(), '');
    const gone = await docker(['service', 'rm', 'web']);
    assert.equal(gone.stderr.trim(), 'Error response from daemon: service web not found');
  });

  it('docker stack deploy / ls / services / rm', async () => {
    const compose = join(config, 'compose.yml');
    writeFileSync(
      compose,
      [
        'services:',
        '  web: { image: "nginx:1.27", deploy: { replicas: 2 }, networks: [front], secrets: [pw] }',
        '  db: { image: "redis:7", networks: [front] }',
        'networks: { front: {} }',
        `secrets: { pw: { file: ${JSON.stringify(compose)} } }`,
        '',
      ].join('\n'),
    );
    const deployed = await ok([
      'stack',
      'deploy',
      '--detach=true',
      '--resolve-image',
      'never',
      '-c',
      compose,
      'app',
    ]);
    assert.match(deployed, /Creating network app_front\nCreating secret app_pw\n/);
    assert.match(await ok(['stack', 'ls']), /\napp\s+2\n/);
    await eventually(async () => {
      const services = await ok(['stack', 'services', 'app', '--format', '{{.Name}} {{.Replicas}}']);
      assert.deepEqual(services.trim().split('\n').sort(), ['app_db 1/1', 'app_web 2/2']);
    }, 5000);
    assert.match(await ok(['stack', 'rm', 'app']), /Removing network app_front/);
    await eventually(async () => assert.equal((await ok(['service', 'ls', '-q'])).trim(), ''));
  });

  it('docker swarm leave, then the CLI’s requests all fitted the swagger', async () => {
    const refused = await docker(['swarm', 'leave']);
    assert.match(refused.stderr, /Use `--force` to ignore this message/);
    assert.equal((await ok(['swarm', 'leave', '--force'])).trim(), 'Node left the swarm.');
    const schema = loadEngineSchema();
    if (schema === undefined) return;
    const sent = h.traces.filter((t) => t.body !== undefined);
    assert.ok(sent.length >= 10);
    for (const t of sent) {
      const problems = schema.validateRequest(t.method, specPath(t.url), t.body);
      assert.deepEqual(problems, [], `${t.method} ${t.url}: the CLI's body does not fit the swagger`);
    }
  });
});
