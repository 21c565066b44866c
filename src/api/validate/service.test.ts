/** validateServiceSpec: accepted specs, the order of problems, Docker's rendering, the assert form. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isShoalError } from '../../base/errors.ts';
import { serviceSpec, editedServiceSpec as spec } from './fixtures.ts';
import { dockerMessage, InvalidArgumentError } from './problem.ts';
import { assertValidServiceSpec, validateServiceSpec } from './service.ts';

type Loose = Record<string, unknown>;

describe('validateServiceSpec: accepted specs', () => {
  const valid: Array<[string, unknown]> = [
    ['the fixture', serviceSpec()],
    [
      'a global service',
      spec((s) => {
        s.Mode = { Global: {} };
      }),
    ],
    [
      'no mode (replicated 1)',
      spec((s) => {
        delete s.Mode;
      }),
    ],
    [
      'zero replicas',
      spec((s) => {
        s.Mode = { Replicated: { Replicas: 0 } };
      }),
    ],
    [
      'a replicated job with a rollback config',
      spec((s) => {
        s.Mode = { ReplicatedJob: { MaxConcurrent: 3, TotalCompletions: 9 } };
        s.RollbackConfig = { Parallelism: 1 };
      }),
    ],
    [
      'a global job',
      spec((s) => {
        s.Mode = { GlobalJob: {} };
      }),
    ],
    [
      'dnsrr with a host-mode port',
      spec((s) => {
        s.EndpointSpec = {
          Mode: 'dnsrr',
          Ports: [{ TargetPort: 80, PublishedPort: 80, PublishMode: 'host' }],
        };
      }),
    ],
    [
      'one published port on tcp and udp',
      spec((s) => {
        s.EndpointSpec = {
          Ports: [
            { TargetPort: 53, PublishedPort: 53 },
            { TargetPort: 53, PublishedPort: 53, Protocol: 'udp' },
          ],
        };
      }),
    ],
    [
      'several auto-assigned ports',
      spec((s) => {
        s.EndpointSpec = { Ports: [{ TargetPort: 80 }, { TargetPort: 443 }] };
      }),
    ],
    [
      'upper-case mount type and propagation',
      spec((_, c) => {
        c.Mounts = [
          { Type: 'BIND' as 'bind', Source: '/a', Target: '/b', BindOptions: { Propagation: 'RSHARED' } },
        ];
      }),
    ],
    [
      'a mount without target (Docker rejects it only when the task starts)',
      spec((_, c) => {
        c.Mounts = [{ Type: 'volume', Target: '' }];
      }),
    ],
    [
      'a config with a runtime target used by the credential spec',
      spec((_, c) => {
        c.Privileges = { CredentialSpec: { Config: 'c1' } };
        c.Configs = [{ ConfigID: 'c1', ConfigName: 'cred', Runtime: {} }];
      }),
    ],
    [
      'limits below reservations (swarmkit does not compare them)',
      spec((s) => {
        s.TaskTemplate.Resources = { Limits: { NanoCPUs: 1e9 }, Reservations: { NanoCPUs: 2e9 } };
      }),
    ],
    [
      'unknown constraint keys and spread descriptors (they just never match)',
      spec((s) => {
        s.TaskTemplate.Placement = {
          Constraints: ['node.foo==bar'],
          Preferences: [{ Spread: { SpreadDescriptor: 'node.hostname' } }],
        };
      }),
    ],
    [
      'zero durations',
      spec((s, c) => {
        s.UpdateConfig = { Delay: 0, Monitor: 0, MaxFailureRatio: 1 };
        c.HealthCheck = { Interval: 0, Timeout: 0, StartPeriod: 0 };
      }),
    ],
    [
      'a float32 ratio that rounds to 1',
      spec((s) => {
        s.UpdateConfig = { MaxFailureRatio: 1.00000001 };
      }),
    ],
    [
      'null fields',
      spec((s) => {
        (s as Loose).UpdateConfig = null;
        (s as Loose).EndpointSpec = null;
      }),
    ],
    [
      'null durations (Go reads null as zero)',
      spec((_, c) => {
        c.HealthCheck = { Interval: null, StartInterval: null } as never;
        (c as Loose).StopGracePeriod = null;
      }),
    ],
  ];
  for (const [name, value] of valid) it(name, () => assert.deepEqual(validateServiceSpec(value), []));
});

describe('validateServiceSpec: order and reporting', () => {
  it('lists every problem, the daemon before swarmkit before Shoal', () => {
    const s = spec((x, c) => {
      x.Name = 'bad.name';
      c.Image = '';
      c.StopGracePeriod = -1;
      x.TaskTemplate.RestartPolicy = { Condition: 'sometimes' as 'any' };
    });
    assert.deepEqual(
      validateServiceSpec(s).map((p) => [p.origin, p.message]),
      [
        ['engine', 'invalid RestartCondition: "sometimes"'],
        ['swarmkit', 'name must be valid as a DNS name component'],
        ['swarmkit', 'ContainerSpec: image reference must be provided'],
        ['shoal', 'ContainerSpec: stop-grace-period cannot be negative'],
      ],
    );
  });
  it('stops at the JSON shape: rules never see a mistyped spec', () => {
    const s = spec((x) => {
      (x as Loose).Name = 5;
      x.TaskTemplate.RestartPolicy = { Delay: -1 };
    });
    const problems = validateServiceSpec(s);
    assert.equal(problems.length, 1);
    assert.equal(
      problems[0]?.message,
      'json: cannot unmarshal number into Go struct field ServiceSpec.Name of type string',
    );
  });
  it('renders messages as the docker CLI prints them', () => {
    const [image] = validateServiceSpec(
      spec((_, c) => {
        c.Image = '';
      }),
    );
    assert.ok(image);
    assert.equal(
      dockerMessage(image),
      'rpc error: code = InvalidArgument desc = ContainerSpec: image reference must be provided',
    );
    const [constraint] = validateServiceSpec(
      spec((s) => {
        s.TaskTemplate.Placement = { Constraints: ['x'] };
      }),
    );
    assert.ok(constraint);
    assert.equal(
      dockerMessage(constraint),
      'rpc error: code = Unknown desc = constraint expected one operator from ==, !=',
    );
    assert.equal(constraint.httpStatus, 500);
    const [engine] = validateServiceSpec(
      spec((s) => {
        s.EndpointSpec = { Mode: 'rr' as 'vip' };
      }),
    );
    assert.ok(engine);
    assert.equal(dockerMessage(engine), 'invalid resolution mode: "rr"');
  });
  it('points at the field', () => {
    const [p] = validateServiceSpec(
      spec((s) => {
        s.TaskTemplate.RestartPolicy = { Delay: -1 };
      }),
    );
    assert.equal(p?.field, 'TaskTemplate.RestartPolicy.Delay');
  });
});

describe('assertValidServiceSpec', () => {
  it('throws InvalidArgumentError with code invalid_argument, the first message and every problem', () => {
    const bad = spec((s, c) => {
      s.Name = '';
      c.Image = '';
    });
    assert.throws(
      () => assertValidServiceSpec(bad),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        isShoalError(e, 'invalid_argument') &&
        e.message === 'meta: name must be provided' &&
        e.problems.length === 2,
    );
  });
  it('returns for a valid spec and narrows its type', () => {
    const value: unknown = serviceSpec();
    assertValidServiceSpec(value);
    assert.equal(value.Name, 'web');
  });
});
