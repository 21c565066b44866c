/** ServiceSpec rules of Docker's daemon (Engine JSON conversion) and Shoal's own, one broken rule per case. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileTarget as file, editedServiceSpec as spec } from './fixtures.ts';
import type { ProblemOrigin } from './problem.ts';
import { validateServiceSpec } from './service.ts';

interface Case {
  readonly name: string;
  readonly spec: unknown;
  readonly message: string;
  readonly origin: ProblemOrigin;
  /** Later rules also fail on this spec (Docker would stop at the first). */
  readonly more?: true;
}

function table(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(`${c.name} -> ${c.message}`, () => {
        const problems = validateServiceSpec(c.spec);
        if (!c.more) assert.equal(problems.length, 1, JSON.stringify(problems));
        assert.equal(problems[0]?.message, c.message);
        assert.equal(problems[0]?.origin, c.origin);
      });
    }
  });
}

table("the daemon's conversion of Engine JSON", [
  {
    name: 'no ContainerSpec',
    spec: spec((s) => {
      s.TaskTemplate = {};
    }),
    message: 'mismatched Runtime and *Spec fields',
    origin: 'engine',
  },
  {
    name: 'plugin runtime',
    spec: spec((s) => {
      s.TaskTemplate.Runtime = 'plugin';
    }),
    message: 'mismatched Runtime and *Spec fields',
    origin: 'engine',
  },
  {
    name: 'unknown runtime',
    spec: spec((s) => {
      s.TaskTemplate.Runtime = 'attachment';
    }),
    message: 'unsupported runtime',
    origin: 'engine',
  },
  {
    name: 'empty credential spec',
    spec: spec((_, c) => {
      c.Privileges = { CredentialSpec: {} };
    }),
    message:
      'invalid CredentialSpec: must either provide "file", "registry", or "config" for credential spec',
    origin: 'engine',
  },
  {
    name: 'two credential spec sources',
    spec: spec((_, c) => {
      c.Privileges = { CredentialSpec: { File: 'a.json', Registry: 'r' } };
    }),
    message: 'invalid CredentialSpec: cannot specify both "file" and "registry" credential specs',
    origin: 'engine',
  },
  {
    name: 'three credential spec sources',
    spec: spec((_, c) => {
      c.Privileges = { CredentialSpec: { Config: 'c', File: 'f', Registry: 'r' } };
    }),
    message: 'invalid CredentialSpec: cannot specify both "config", "file", and "registry" credential specs',
    origin: 'engine',
    more: true,
  },
  {
    name: 'config reference without target',
    spec: spec((_, c) => {
      c.Configs = [{ ConfigID: 'c1', ConfigName: 'cfg' }];
    }),
    message: 'invalid Config: either File or Runtime should be set',
    origin: 'engine',
    more: true,
  },
  {
    name: 'config reference with both targets',
    spec: spec((_, c) => {
      c.Configs = [{ ConfigID: 'c1', ConfigName: 'cfg', File: file('x'), Runtime: {} }];
    }),
    message: 'invalid Config: cannot specify both File and Runtime',
    origin: 'engine',
  },
  {
    name: 'unknown mount type',
    spec: spec((_, c) => {
      c.Mounts = [{ Type: 'nfs' as 'bind', Target: '/data' }];
    }),
    message: 'invalid MountType: "nfs"',
    origin: 'engine',
  },
  {
    name: 'unknown bind propagation',
    spec: spec((_, c) => {
      c.Mounts = [{ Type: 'bind', Source: '/a', Target: '/b', BindOptions: { Propagation: 'weird' } }];
    }),
    message: 'invalid MountPropagation: "weird"',
    origin: 'engine',
  },
  {
    name: 'unknown restart condition',
    spec: spec((s) => {
      s.TaskTemplate.RestartPolicy = { Condition: 'always' as 'any' };
    }),
    message: 'invalid RestartCondition: "always"',
    origin: 'engine',
  },
  {
    name: 'upper-case restart condition (the daemon wants exact names)',
    spec: spec((s) => {
      s.TaskTemplate.RestartPolicy = { Condition: 'ANY' as 'any' };
    }),
    message: 'invalid RestartCondition: "ANY"',
    origin: 'engine',
  },
  {
    name: 'unknown update failure action',
    spec: spec((s) => {
      s.UpdateConfig = { FailureAction: 'explode' as 'pause' };
    }),
    message: 'unrecognized update failure action explode',
    origin: 'engine',
  },
  {
    name: 'unknown update order',
    spec: spec((s) => {
      s.UpdateConfig = { Order: 'random' as 'stop-first' };
    }),
    message: 'unrecognized update order random',
    origin: 'engine',
  },
  {
    name: 'unknown rollback failure action',
    spec: spec((s) => {
      s.RollbackConfig = { FailureAction: 'retry' as 'pause' };
    }),
    message: 'unrecognized update failure action retry',
    origin: 'engine',
  },
  {
    name: 'unknown endpoint mode',
    spec: spec((s) => {
      s.EndpointSpec = { Mode: 'VIP' as 'vip' };
    }),
    message: 'invalid resolution mode: "VIP"',
    origin: 'engine',
  },
  {
    name: 'two modes',
    spec: spec((s) => {
      s.Mode = { Replicated: { Replicas: 1 }, Global: {} };
    }),
    message: 'must specify only one service mode',
    origin: 'engine',
  },
]);

table('Shoal-only rules (origin shoal)', [
  {
    name: 'negative stop grace period',
    spec: spec((_, c) => {
      c.StopGracePeriod = -1;
    }),
    message: 'ContainerSpec: stop-grace-period cannot be negative',
    origin: 'shoal',
  },
  {
    name: 'health check start interval under 1ms',
    spec: spec((_, c) => {
      c.HealthCheck = { StartInterval: 10 };
    }),
    message: 'ContainerSpec: StartInterval in HealthConfig cannot be less than 1ms',
    origin: 'shoal',
  },
  {
    name: 'negative rollback delay',
    spec: spec((s) => {
      s.RollbackConfig = { Delay: -1 };
    }),
    message: 'TaskSpec: rollback-delay cannot be negative',
    origin: 'shoal',
  },
  {
    name: 'rollback failure ratio above 1',
    spec: spec((s) => {
      s.RollbackConfig = { MaxFailureRatio: 2 };
    }),
    message: 'TaskSpec: rollback-maxfailureratio cannot be less than 0 or bigger than 1',
    origin: 'shoal',
  },
  {
    name: 'target port above 65535',
    spec: spec((s) => {
      s.EndpointSpec = { Ports: [{ TargetPort: 70000 }] };
    }),
    message: 'EndpointSpec: target port 70000 is out of range 0-65535',
    origin: 'shoal',
  },
  {
    name: 'published port above 65535',
    spec: spec((s) => {
      s.EndpointSpec = { Ports: [{ TargetPort: 80, PublishedPort: 65536 }] };
    }),
    message: 'EndpointSpec: published port 65536 is out of range 0-65535',
    origin: 'shoal',
  },
]);
