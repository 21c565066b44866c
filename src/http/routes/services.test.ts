import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SWARM_MESSAGES } from '../errors.ts';
import { eventually, type Harness, startHarness } from '../testing/harness.ts';

const spec = (name: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  TaskTemplate: { ContainerSpec: { Image: 'nginx:1.27' } },
  ...extra,
});

describe('/services', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ init: true });
  });
  after(() => h.close());

  it('creates (201 {ID}), inspects, lists with filters and status counts', async () => {
    const created = await h.request('POST', '/v1.47/services/create', {
      body: spec('web', {
        Labels: { tier: 'front' },
        Mode: { Replicated: { Replicas: 2 } },
        TaskTemplate: {
          ContainerSpec: { Image: 'nginx:1.27', Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9 } },
        },
      }),
    });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.json), ['ID']);
    const id = created.json.ID;

    const svc = (await h.request('GET', '/services/web')).json;
    assert.equal(svc.ID, id);
    assert.equal(svc.Spec.Labels.tier, 'front');
    assert.deepEqual(svc.Spec.TaskTemplate.ContainerSpec.Healthcheck, {
      Test: ['CMD', 'true'],
      Interval: 1e9,
    });
    assert.equal(svc.Spec.TaskTemplate.ContainerSpec.HealthCheck, undefined);
    assert.equal(svc.SpecVersion, undefined);
    assert.deepEqual(svc.Endpoint, { Spec: {} });
    assert.equal(svc.ServiceStatus, undefined);

    await h.request('POST', '/services/create', { body: spec('api', { Mode: { Global: {} } }) });
    const names = async (q: string) =>
      (await h.request('GET', `/services${q}`)).json
        .map((s: { Spec: { Name: string } }) => s.Spec.Name)
        .sort();
    assert.deepEqual(await names(''), ['api', 'web']);
    assert.deepEqual(await names(`?filters=${encodeURIComponent('{"name":{"we":true}}')}`), ['web']);
    assert.deepEqual(await names(`?filters=${encodeURIComponent('{"mode":["global"]}')}`), ['api']);
    assert.deepEqual(await names(`?filters=${encodeURIComponent('{"label":["tier=front"]}')}`), ['web']);
    const bad = await h.request('GET', `/services?filters=${encodeURIComponent('{"color":["red"]}')}`);
    assert.deepEqual([bad.status, bad.json.message], [400, "Invalid filter 'color'"]);

    await eventually(async () => {
      const listed = (await h.request('GET', '/services?status=true')).json;
      const web = listed.find((s: { Spec: { Name: string } }) => s.Spec.Name === 'web');
      assert.deepEqual(web.ServiceStatus, { RunningTasks: 2, DesiredTasks: 2, CompletedTasks: 0 });
    });
    const old = (await h.request('GET', '/v1.40/services?status=true')).json;
    assert.equal(old[0].ServiceStatus, undefined, 'status needs API 1.41');
    const badStatus = await h.request('GET', '/services?status=yes');
    assert.equal(
      badStatus.json.message,
      'invalid value for status: yes: strconv.ParseBool: parsing "yes": invalid syntax',
    );
  });

  it('inserts defaults on request', async () => {
    const plain = (await h.request('GET', '/services/web?insertDefaults=false')).json;
    assert.equal(plain.Spec.UpdateConfig, undefined);
    const full = (await h.request('GET', '/services/web?insertDefaults=true')).json;
    assert.equal(full.Spec.UpdateConfig.Parallelism, 1);
    assert.equal(full.Spec.TaskTemplate.RestartPolicy.Condition, 'any');
  });

  it('refuses bad specs with Docker’s words and statuses', async () => {
    const taken = await h.request('POST', '/services/create', { body: spec('web') });
    assert.deepEqual(
      [taken.status, taken.json.message],
      [
        409,
        'rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists',
      ],
    );
    const badName = await h.request('POST', '/services/create', { body: spec('no_under_score!') });
    assert.deepEqual(
      [badName.status, badName.json.message],
      [400, 'rpc error: code = InvalidArgument desc = name must be valid as a DNS name component'],
    );
    const mistyped = await h.request('POST', '/services/create', {
      body: spec('x', { Mode: { Replicated: { Replicas: 'two' } } }),
    });
    assert.equal(mistyped.status, 400);
    assert.match(mistyped.json.message, /^invalid JSON: json: cannot unmarshal string into Go struct field/);
    const notJson = await h.request('POST', '/services/create', {
      rawBody: '{"Name":',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(notJson.status, 400);
    assert.match(notJson.json.message, /^invalid JSON: /);
    const wrongType = await h.request('POST', '/services/create', {
      rawBody: '{}',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(
      wrongType.json.message,
      "unsupported Content-Type header (text/plain): must be 'application/json'",
    );
    const noNet = await h.request('POST', '/services/create', {
      body: spec('y', {
        TaskTemplate: { ContainerSpec: { Image: 'nginx' }, Networks: [{ Target: 'nope' }] },
      }),
    });
    assert.deepEqual([noNet.status, noNet.json.message], [404, 'network nope not found']);
  });

  it('accepts lower-case keys and Go’s nulls as Go’s decoder does', async () => {
    const a = await h.request('POST', '/services/create', {
      body: {
        name: 'lower',
        labels: null,
        taskTemplate: { containerSpec: { image: 'redis:7', env: null } },
        mode: null,
      },
    });
    assert.equal(a.status, 201);
    const svc = (await h.request('GET', '/services/lower')).json;
    assert.equal(svc.Spec.TaskTemplate.ContainerSpec.Image, 'redis:7');
    assert.deepEqual(svc.Spec.Mode, { Replicated: { Replicas: 1 } });
  });

  it('updates at a version, refuses stale versions with 409, rolls back', async () => {
    const cur = (await h.request('GET', '/services/web')).json;
    const next = { ...cur.Spec, Mode: { Replicated: { Replicas: 3 } } };
    const ok = await h.request('POST', `/services/${cur.ID}/update?version=${cur.Version.Index}`, {
      body: next,
    });
    assert.deepEqual([ok.status, ok.json], [200, {}]);
    const stale = await h.request('POST', `/services/web/update?version=${cur.Version.Index}`, {
      body: next,
    });
    assert.deepEqual(
      [stale.status, stale.json.message],
      [409, 'rpc error: code = Unknown desc = update out of sequence'],
    );
    const noVersion = await h.request('POST', '/services/web/update', { body: next });
    assert.deepEqual(
      [noVersion.status, noVersion.json.message],
      [400, `invalid service version '': strconv.ParseUint: parsing "": invalid syntax`],
    );
    const now = (await h.request('GET', '/services/web')).json;
    assert.equal(now.Spec.Mode.Replicated.Replicas, 3);
    assert.equal(now.PreviousSpec.Mode.Replicated.Replicas, 2);
    assert.equal(now.PreviousSpec.TaskTemplate.ContainerSpec.Healthcheck.Interval, 1e9);

    const badRollback = await h.request(
      'POST',
      `/services/web/update?version=${now.Version.Index}&rollback=later`,
      { body: now.Spec },
    );
    assert.deepEqual(
      [badRollback.status, badRollback.json.message],
      [400, 'unrecognized rollback option later'],
    );
    const badAuth = await h.request(
      'POST',
      `/services/web/update?version=${now.Version.Index}&registryAuthFrom=x`,
      { body: now.Spec },
    );
    assert.equal(badAuth.json.message, 'unsupported registryAuthFrom value');
    const back = await h.request(
      'POST',
      `/services/web/update?version=${now.Version.Index}&rollback=previous&registryAuthFrom=previous-spec`,
      {
        body: now.Spec,
      },
    );
    assert.equal(back.status, 200);
    const rolled = (await h.request('GET', '/services/web')).json;
    assert.equal(rolled.Spec.Mode.Replicated.Replicas, 2);
    assert.equal(rolled.UpdateStatus.State, 'rollback_started');

    const api = (await h.request('GET', '/services/lower')).json;
    const noPrevious = await h.request(
      'POST',
      `/services/lower/update?version=${api.Version.Index}&registryAuthFrom=previous-spec`,
      {
        body: api.Spec,
      },
    );
    assert.equal(noPrevious.json.message, 'service does not have a previous spec');
    const modeChange = await h.request('POST', `/services/lower/update?version=${api.Version.Index}`, {
      body: { ...api.Spec, Mode: { Global: {} } },
    });
    assert.deepEqual(
      [modeChange.status, modeChange.json.message],
      [501, 'rpc error: code = Unimplemented desc = service mode change is not allowed'],
    );
  });

  it('drops what an older API version did not have, and warns it could not pin', async () => {
    const a = await h.request('POST', '/v1.29/services/create', {
      body: spec('old', {
        TaskTemplate: {
          ContainerSpec: { Image: 'busybox:1', Sysctls: { 'net.x': '1' } },
          Placement: { MaxReplicas: 2 },
        },
      }),
    });
    assert.equal(a.status, 201);
    assert.match(
      a.json.Warnings[0],
      /^image busybox:1 could not be accessed on a registry to record\nits digest/,
    );
    const svc = (await h.request('GET', '/services/old')).json;
    assert.equal(svc.Spec.TaskTemplate.ContainerSpec.Sysctls, undefined);
    assert.equal(svc.Spec.TaskTemplate.Placement.MaxReplicas, undefined);
    const job = await h.request('POST', '/v1.40/services/create', {
      body: spec('job', { Mode: { ReplicatedJob: {} } }),
    });
    assert.equal(job.status, 201);
    assert.deepEqual((await h.request('GET', '/services/job')).json.Spec.Mode, {
      Replicated: { Replicas: 1 },
    });
  });

  it('removes, and answers 404 / 503 in Docker’s words', async () => {
    const gone = await h.request('DELETE', '/services/old');
    assert.deepEqual([gone.status, gone.text], [200, '']);
    const missing = await h.request('GET', '/services/old');
    assert.deepEqual([missing.status, missing.json.message], [404, 'service old not found']);
    assert.equal((await h.request('DELETE', '/services/old')).status, 404);
    await eventually(async () => {
      const tasks = (await h.request('GET', '/tasks')).json as Array<{ ServiceID: string }>;
      const services = (await h.request('GET', '/services')).json as Array<{ ID: string }>;
      assert.ok(tasks.every((t) => services.some((s) => s.ID === t.ServiceID)));
    });
    h.backend.state = 'inactive';
    const off = await h.request('POST', '/services/create', { body: spec('z') });
    assert.deepEqual([off.status, off.json.message], [503, SWARM_MESSAGES.notInSwarmManager]);
    h.backend.state = 'active';
  });
});
