/**
 * Property tests: generated valid specs pass (and stay valid through normalisation and
 * defaulting, which are idempotent); any JSON value or valid spec with one field replaced
 * by garbage never crashes a validator and always yields well-formed Problems in Docker's
 * layer order; the assert functions throw only the typed errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ServiceSpec } from '../service.ts';
import { withServiceDefaults } from './defaults.ts';
import { SERVICE_SPEC } from './engine-schema.ts';
import { validateNetworkSpec } from './network.ts';
import { validateNodeSpec } from './node.ts';
import { normalizeServiceSpec } from './normalize.ts';
import { InvalidArgumentError, type Problem } from './problem.ts';
import { validateConfigSpec, validateSecretSpec } from './secret.ts';
import { assertValidServiceSpec, validateServiceSpec } from './service.ts';
import type { Shape } from './shape.ts';
import { validateSwarmSpec } from './swarm.ts';

const opt = { requiredKeys: [] as never[] };
const ns = fc.integer({ min: 0, max: 3_600_000_000_000 });
const dns = fc.stringMatching(/^[a-z0-9](?:[a-z0-9_-]{0,20}[a-z0-9])?$/);
const secretName = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]{0,20}[a-zA-Z0-9])?$/);
const image = fc.constantFrom(
  'nginx',
  'nginx:1.25',
  'registry.example.com:5000/team/app:v1',
  `busybox@sha256:${'a'.repeat(64)}`,
  'localhost/x',
);
const cpus = fc.oneof(fc.constant(0), fc.integer({ min: 1_000_000, max: 64_000_000_000 }));
const memory = fc.oneof(fc.constant(0), fc.integer({ min: 4 * 1024 * 1024, max: 2 ** 40 }));
const health = fc.oneof(fc.constant(0), fc.integer({ min: 1_000_000, max: 600_000_000_000 }));
const file = (name: string) => ({ Name: name, UID: '0', GID: '0', Mode: 0o444 });
const constraint = fc
  .tuple(
    fc.constantFrom(
      'node.role',
      'node.hostname',
      'node.labels.zone',
      'engine.labels.disk',
      'node.platform.os',
      'node.ip',
    ),
    fc.constantFrom('==', '!='),
    fc.stringMatching(/^[a-z0-9.-]{1,10}$/),
  )
  .map(([k, o, v]) => `${k}${o}${v}`);

const container = fc.record(
  {
    Image: image,
    Env: fc.array(fc.stringMatching(/^[A-Z]{1,5}=[a-z]{0,5}$/), { maxLength: 3 }),
    StopGracePeriod: ns,
    Mounts: fc.uniqueArray(
      fc.record({
        Type: fc.constantFrom('bind', 'volume', 'tmpfs') as fc.Arbitrary<'bind' | 'volume' | 'tmpfs'>,
        Target: fc.stringMatching(/^\/[a-z]{1,8}$/),
      }),
      { selector: (m) => m.Target, maxLength: 3 },
    ),
    Secrets: fc.uniqueArray(
      fc.record({
        SecretID: fc.stringMatching(/^[a-z0-9]{5}$/),
        SecretName: secretName,
        File: fc.stringMatching(/^[a-z]{1,8}$/).map(file),
      }),
      { selector: (s) => s.File.Name, maxLength: 3 },
    ),
    HealthCheck: fc.record(
      { Interval: health, Timeout: health, StartPeriod: health, Retries: fc.nat(10) },
      opt,
    ),
  },
  { requiredKeys: ['Image'] },
);

const update = fc.record(
  {
    Parallelism: fc.nat(10),
    Delay: ns,
    FailureAction: fc.constantFrom('pause', 'continue', 'rollback') as fc.Arbitrary<'pause'>,
    Monitor: ns,
    MaxFailureRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    Order: fc.constantFrom('stop-first', 'start-first') as fc.Arbitrary<'stop-first'>,
  },
  opt,
);

const mode = fc.oneof(
  fc.record({ Replicated: fc.record({ Replicas: fc.nat(50) }, opt) }),
  fc.constant({ Global: {} }),
  fc.record({ ReplicatedJob: fc.record({ MaxConcurrent: fc.nat(10), TotalCompletions: fc.nat(100) }, opt) }),
  fc.constant({ GlobalJob: {} }),
);

const endpoint = fc
  .tuple(
    fc.constantFrom('vip', 'dnsrr') as fc.Arbitrary<'vip' | 'dnsrr'>,
    fc.uniqueArray(
      fc.record({
        TargetPort: fc.integer({ min: 1, max: 65535 }),
        PublishedPort: fc.integer({ min: 0, max: 65535 }),
        Protocol: fc.constantFrom('tcp', 'udp', 'sctp') as fc.Arbitrary<'tcp'>,
        PublishMode: fc.constantFrom('ingress', 'host') as fc.Arbitrary<'ingress' | 'host'>,
      }),
      { selector: (p) => `${p.PublishedPort || `auto${p.TargetPort}`}/${p.Protocol}`, maxLength: 4 },
    ),
  )
  .map(([Mode, ports]) => ({
    Mode,
    Ports: Mode === 'dnsrr' ? ports.map((p) => ({ ...p, PublishMode: 'host' as const })) : ports,
  }));

const validSpec: fc.Arbitrary<ServiceSpec> = fc
  .record(
    {
      Name: dns,
      Labels: fc.dictionary(fc.stringMatching(/^[a-z.]{1,10}$/), fc.string({ maxLength: 10 }), {
        maxKeys: 3,
      }),
      ContainerSpec: container,
      Resources: fc.record(
        {
          Limits: fc.record({ NanoCPUs: cpus, MemoryBytes: memory }, opt),
          Reservations: fc.record({ NanoCPUs: cpus, MemoryBytes: memory }, opt),
        },
        opt,
      ),
      RestartPolicy: fc.record(
        {
          Condition: fc.constantFrom('none', 'on-failure', 'any') as fc.Arbitrary<'any'>,
          Delay: ns,
          MaxAttempts: fc.nat(10),
          Window: ns,
        },
        opt,
      ),
      Placement: fc.record(
        {
          Constraints: fc.array(constraint, { maxLength: 3 }),
          Preferences: fc.array(
            fc.record({
              Spread: fc.record({
                SpreadDescriptor: fc.constantFrom('node.labels.zone', 'engine.labels.rack'),
              }),
            }),
            { maxLength: 2 },
          ),
        },
        opt,
      ),
      Mode: mode,
      UpdateConfig: update,
      RollbackConfig: update,
      EndpointSpec: endpoint,
    },
    { requiredKeys: ['Name', 'ContainerSpec'] },
  )
  .map(({ ContainerSpec, Resources, RestartPolicy, Placement, ...rest }) => {
    const spec: ServiceSpec = { ...rest, TaskTemplate: { ContainerSpec } };
    if (Resources) spec.TaskTemplate.Resources = Resources;
    if (RestartPolicy) spec.TaskTemplate.RestartPolicy = RestartPolicy;
    if (Placement) spec.TaskTemplate.Placement = Placement;
    if (spec.Mode && ('ReplicatedJob' in spec.Mode || 'GlobalJob' in spec.Mode)) delete spec.UpdateConfig;
    return spec;
  });

/** Every field path of the Engine ServiceSpec schema. */
function paths(shape: Shape, prefix: string[] = []): string[][] {
  if (shape.t !== 'struct') return [prefix];
  return [prefix, ...Object.entries(shape.fields).flatMap(([k, s]) => paths(s, [...prefix, k]))].filter(
    (p) => p.length > 0,
  );
}
const FIELD_PATHS = paths(SERVICE_SPEC);

function setPath(value: ServiceSpec, path: readonly string[], v: unknown): unknown {
  const root = structuredClone(value) as unknown as Record<string, unknown>;
  let at = root;
  for (const k of path.slice(0, -1)) {
    const next = at[k];
    at[k] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {};
    at = at[k] as Record<string, unknown>;
  }
  at[path.at(-1) as string] = v;
  return root;
}

const garbage = fc.oneof(fc.jsonValue(), fc.anything(), fc.array(fc.anything(), { maxLength: 3 }));
const mutated = fc
  .tuple(validSpec, fc.constantFrom(...FIELD_PATHS), garbage)
  .map(([s, p, v]) => setPath(s, p, v));
const anyInput = fc.oneof(fc.anything(), fc.jsonValue(), mutated, mutated);

const RANK = { engine: 0, swarmkit: 1, shoal: 2 } as const;
function wellFormed(problems: readonly Problem[]): void {
  assert.equal(Array.isArray(problems), true);
  let rank = 0;
  for (const p of problems) {
    const r: number = RANK[p.origin];
    assert.ok(r >= rank, `layer order: ${problems.map((x) => x.origin).join(',')}`);
    rank = r;
    assert.equal(typeof p.message, 'string');
    assert.ok(p.message.length > 0);
    assert.equal(typeof p.field, 'string');
    assert.ok(p.code === 'invalid_argument' || p.code === 'failed_precondition');
  }
}

describe('property: valid specs', () => {
  it('pass validation', () => {
    fc.assert(
      fc.property(validSpec, (s) => assert.deepEqual(validateServiceSpec(s), [])),
      { numRuns: 300 },
    );
  });
  it('stay valid when normalised and defaulted (except a job gaining UpdateConfig, as in Docker)', () => {
    fc.assert(
      fc.property(validSpec, (s) => {
        assert.deepEqual(validateServiceSpec(normalizeServiceSpec(s)), []);
        const messages = validateServiceSpec(withServiceDefaults(s)).map((p) => p.message);
        const job = s.Mode !== undefined && ('ReplicatedJob' in s.Mode || 'GlobalJob' in s.Mode);
        assert.deepEqual(messages, job ? ['Jobs may not have an update config'] : []);
      }),
      { numRuns: 200 },
    );
  });
  it('normalise and default idempotently', () => {
    fc.assert(
      fc.property(validSpec, (s) => {
        const n = normalizeServiceSpec(s);
        assert.deepEqual(normalizeServiceSpec(n), n);
        const d = withServiceDefaults(s);
        assert.deepEqual(withServiceDefaults(d), d);
      }),
      { numRuns: 200 },
    );
  });
  it('are accepted as an update of themselves', () => {
    fc.assert(
      fc.property(validSpec, (s) => assert.deepEqual(validateServiceSpec(s, { existing: { Spec: s } }), [])),
    );
  });
});

describe('property: garbage never crashes, always yields typed problems', () => {
  it('validateServiceSpec', () => {
    fc.assert(
      fc.property(anyInput, (v) => wellFormed(validateServiceSpec(v))),
      { numRuns: 1000 },
    );
  });
  it('validateServiceSpec as an update of a valid service', () => {
    fc.assert(
      fc.property(anyInput, validSpec, (v, s) =>
        wellFormed(validateServiceSpec(v, { existing: { Spec: s } })),
      ),
      { numRuns: 300 },
    );
  });
  it('assertValidServiceSpec throws only InvalidArgumentError', () => {
    fc.assert(
      fc.property(anyInput, (v) => {
        try {
          assertValidServiceSpec(v);
        } catch (e) {
          assert.ok(e instanceof InvalidArgumentError, String(e));
          assert.equal(e.code, 'invalid_argument');
        }
      }),
      { numRuns: 500 },
    );
  });
  it('a spec that validates can be normalised and defaulted, and stays valid', () => {
    fc.assert(
      fc.property(mutated, (v) => {
        if (validateServiceSpec(v).length > 0) return;
        const s = v as ServiceSpec;
        assert.deepEqual(validateServiceSpec(normalizeServiceSpec(s)), []);
        const after = validateServiceSpec(withServiceDefaults(s)).map((p) => p.message);
        assert.ok(
          after.every((m) => m === 'Jobs may not have an update config'),
          after.join('; '),
        );
      }),
      { numRuns: 1000 },
    );
  });
  it('the other validators', () => {
    const any = fc.oneof(
      fc.anything(),
      fc.jsonValue(),
      fc.dictionary(
        fc.constantFrom(
          'Name',
          'Role',
          'Availability',
          'Data',
          'Driver',
          'Labels',
          'CAConfig',
          'Dispatcher',
          'IPAMOptions',
          'DriverConfiguration',
          'Ingress',
          'Attachable',
        ),
        fc.anything(),
      ),
    );
    fc.assert(
      fc.property(any, (v) => {
        wellFormed(validateNodeSpec(v));
        wellFormed(validateSwarmSpec(v));
        wellFormed(validateNetworkSpec(v));
        wellFormed(validateSecretSpec(v));
        wellFormed(validateConfigSpec(v));
        const lastManager = {
          existing: { Spec: { Role: 'manager' as const, Availability: 'active' as const } },
          managerCount: 1,
        };
        wellFormed(validateNodeSpec(v, lastManager));
      }),
      { numRuns: 1000 },
    );
  });
});
