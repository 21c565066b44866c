/**
 * dockerode (the Node client) against the in-process server: it reads answers without Go's
 * forgiving decoder, so key names matter (a secret's create answer is `ID`, a network's
 * `Id`), and it sends update versions in the body as well as the query (Go drops them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { SWARM_MESSAGES } from './errors.ts';
import { eventually, type Harness, startHarness } from './testing/harness.ts';

interface DockerodeError {
  statusCode: number;
  json: { message: string };
}

describe('dockerode against Shoal', () => {
  let h: Harness;
  let docker: Docker;
  before(async () => {
    h = await startHarness();
    docker = new Docker({ socketPath: h.socket });
  });
  after(() => h.close());

  it('pings, reads the version, inits a swarm', async () => {
    assert.equal(String(await docker.ping()), 'OK');
    const v = await docker.version();
    assert.equal(v.ApiVersion, '1.47');
    const refused = (await docker.listNodes().catch((e: unknown) => e)) as DockerodeError;
    assert.deepEqual([refused.statusCode, refused.json.message], [503, SWARM_MESSAGES.notInSwarmManager]);
    const nodeId = await docker.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '10.0.0.1' });
    assert.equal(nodeId, h.backend.nodeId);
    const swarm = await docker.swarmInspect();
    assert.match(swarm.JoinTokens.Worker, /^SWMTKN-1-/);
    const info = await docker.info();
    assert.equal(info.Swarm.ControlAvailable, true);
    const nodes = await docker.listNodes();
    assert.equal(nodes[0]?.Description?.Hostname, 'shoal-test');
  });

  it('creates and lists networks, secrets and services', async () => {
    const net = await docker.createNetwork({ Name: 'back', Driver: 'overlay', Attachable: true });
    assert.match(net.id, /^\w{25}$/);
    const secret = await docker.createSecret({ Name: 'pw', Data: Buffer.from('s3cret').toString('base64') });
    assert.match(secret.id, /^\w{25}$/);
    const service = await docker.createService({
      Name: 'web',
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx:1.27',
          Secrets: [
            { SecretID: secret.id, SecretName: 'pw', File: { Name: 'pw', UID: '0', GID: '0', Mode: 0o444 } },
          ],
        },
        Networks: [{ Target: 'back' }],
      },
      Mode: { Replicated: { Replicas: 2 } },
    });
    assert.match(service.id, /^\w{25}$/);
    const listed = await docker.listServices({ filters: { name: ['web'] }, status: true });
    assert.equal(listed.length, 1);
    assert.ok((listed[0] as { ServiceStatus?: unknown }).ServiceStatus, 'status=true counts tasks');
    await eventually(async () => {
      const tasks = await docker.listTasks({ filters: { service: ['web'], 'desired-state': ['running'] } });
      assert.equal(tasks.length, 2);
    });
    const inspected = await service.inspect();
    assert.equal(inspected.Spec.TaskTemplate.Networks[0].Target, net.id);
  });

  it('updates with the version in query and body, and reads the result', async () => {
    const service = docker.getService('web');
    const cur = await service.inspect();
    await service.update({ version: cur.Version.Index, ...cur.Spec, Mode: { Replicated: { Replicas: 3 } } });
    const now = await service.inspect();
    assert.equal(now.Spec.Mode.Replicated.Replicas, 3);
    assert.equal(now.Spec.version, undefined, 'Go drops the unknown body key');
    const stale = (await service
      .update({ version: cur.Version.Index, ...cur.Spec })
      .catch((e: unknown) => e)) as DockerodeError;
    assert.deepEqual(
      [stale.statusCode, stale.json.message],
      [409, 'rpc error: code = Unknown desc = update out of sequence'],
    );
  });

  it('reads service logs', async () => {
    const [task] = await docker.listTasks({ filters: { service: ['web'], 'desired-state': ['running'] } });
    assert.ok(task?.ID && task.ServiceID);
    h.backend.pushLog({
      time: Date.now(),
      stream: 'stdout',
      line: 'ready',
      context: { nodeId: h.backend.nodeId, serviceId: task.ServiceID, taskId: task.ID },
    });
    const raw = (await docker.getService('web').logs({ stdout: true, details: true })) as unknown as Buffer;
    assert.equal(raw[0], 1);
    assert.match(raw.subarray(8).toString(), /com\.docker\.swarm\.task\.id=\w+ ready\n$/);
  });

  it('streams events', async () => {
    const stream = (await docker.getEvents({ filters: { type: ['secret'] } })) as NodeJS.ReadableStream;
    const seen: string[] = [];
    stream.on('data', (b: Buffer) => {
      for (const l of b.toString().split('\n').filter(Boolean)) seen.push(JSON.parse(l).Action);
    });
    await new Promise((r) => setTimeout(r, 50));
    await docker.createSecret({ Name: 'other', Data: Buffer.from('x').toString('base64') });
    await docker.getSecret('other').remove();
    await eventually(() => assert.deepEqual(seen, ['create', 'remove']));
    (stream as unknown as { destroy(): void }).destroy();
  });

  it('removes, and reports 404 with Docker’s words', async () => {
    await docker.getService('web').remove();
    await docker.getSecret('pw').remove();
    await docker.getNetwork('back').remove();
    const missing = (await docker
      .getService('web')
      .inspect()
      .catch((e: unknown) => e)) as DockerodeError;
    assert.deepEqual([missing.statusCode, missing.json.message], [404, 'service web not found']);
    await docker.swarmLeave({ force: true });
    assert.equal((await docker.info()).Swarm.LocalNodeState, 'inactive');
  });
});
