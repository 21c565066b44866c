/** ServiceSpec rules of swarmkit's controlapi, one broken rule per case, with swarmkit's exact text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PortConfig } from '../service.ts';
import { fileTarget as file, editedServiceSpec as spec } from './fixtures.ts';
import type { ProblemOrigin } from './problem.ts';
import { validateServiceSpec } from './service.ts';

type Loose = Record<string, unknown>;

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

table("swarmkit's validateServiceSpec", [
  {
    name: 'no name',
    spec: spec((s) => {
      s.Name = '';
    }),
    message: 'meta: name must be provided',
    origin: 'swarmkit',
  },
  {
    name: 'a null name',
    spec: spec((s) => {
      (s as Loose).Name = null;
    }),
    message: 'meta: name must be provided',
    origin: 'swarmkit',
  },
  {
    name: 'dotted name',
    spec: spec((s) => {
      s.Name = 'busybox1.24';
    }),
    message: 'name must be valid as a DNS name component',
    origin: 'swarmkit',
  },
  {
    name: 'long name',
    spec: spec((s) => {
      s.Name = 'longname'.repeat(8);
    }),
    message: 'name must be 63 characters or fewer',
    origin: 'swarmkit',
  },
  {
    name: 'tiny CPU limit',
    spec: spec((s) => {
      s.TaskTemplate.Resources = { Limits: { NanoCPUs: 1 } };
    }),
    message: 'invalid cpu value 1e-09: Must be at least 0.001',
    origin: 'swarmkit',
  },
  {
    name: 'tiny CPU reservation',
    spec: spec((s) => {
      s.TaskTemplate.Resources = { Reservations: { NanoCPUs: 500_000 } };
    }),
    message: 'invalid cpu value 0.0005: Must be at least 0.001',
    origin: 'swarmkit',
  },
  {
    name: 'negative CPU limit',
    spec: spec((s) => {
      s.TaskTemplate.Resources = { Limits: { NanoCPUs: -1 } };
    }),
    message: 'invalid cpu value -1e-09: Must be at least 0.001',
    origin: 'swarmkit',
  },
  {
    name: 'tiny memory limit',
    spec: spec((s) => {
      s.TaskTemplate.Resources = { Limits: { MemoryBytes: 1024 } };
    }),
    message: 'invalid memory value 1024: Must be at least 4MiB',
    origin: 'swarmkit',
  },
  {
    name: 'negative restart delay',
    spec: spec((s) => {
      s.TaskTemplate.RestartPolicy = { Delay: -1 };
    }),
    message: 'TaskSpec: restart-delay cannot be negative',
    origin: 'swarmkit',
  },
  {
    name: 'negative restart window',
    spec: spec((s) => {
      s.TaskTemplate.RestartPolicy = { Delay: 1e9, Window: -4e9 };
    }),
    message: 'TaskSpec: restart-window cannot be negative',
    origin: 'swarmkit',
  },
  {
    name: 'constraint without operator',
    spec: spec((s) => {
      s.TaskTemplate.Placement = { Constraints: ['node.role=manager'] };
    }),
    message: 'constraint expected one operator from ==, !=',
    origin: 'swarmkit',
  },
  {
    name: 'constraint with a bad value',
    spec: spec((s) => {
      s.TaskTemplate.Placement = { Constraints: ['node.labels.zone==east<1'] };
    }),
    message: "value 'east<1' is invalid",
    origin: 'swarmkit',
  },
  {
    name: 'secret reference without id',
    spec: spec((_, c) => {
      c.Secrets = [{ SecretID: '', SecretName: 'db', File: file('db') }];
    }),
    message: 'malformed secret reference',
    origin: 'swarmkit',
  },
  {
    name: 'secret reference without target',
    spec: spec((_, c) => {
      c.Secrets = [{ SecretID: 's1', SecretName: 'db' }];
    }),
    message: 'malformed secret reference, no target provided',
    origin: 'swarmkit',
  },
  {
    name: 'secret reference with an empty file name',
    spec: spec((_, c) => {
      c.Secrets = [{ SecretID: 's1', SecretName: 'db', File: file('') }];
    }),
    message: 'malformed file secret reference, invalid target file name provided',
    origin: 'swarmkit',
  },
  {
    name: 'two secrets on one file',
    spec: spec((_, c) => {
      c.Secrets = [
        { SecretID: 's1', SecretName: 'db_a', File: file('password') },
        { SecretID: 's2', SecretName: 'db_b', File: file('password') },
      ];
    }),
    message: "secret references 'db_a' and 'db_b' have a conflicting target: 'password'",
    origin: 'swarmkit',
  },
  {
    name: 'two configs on one file',
    spec: spec((_, c) => {
      c.Configs = [
        { ConfigID: 'c1', ConfigName: 'one', File: file('app.conf') },
        { ConfigID: 'c2', ConfigName: 'two', File: file('app.conf') },
      ];
    }),
    message: "config references 'one' and 'two' have a conflicting target: 'app.conf'",
    origin: 'swarmkit',
  },
  {
    name: 'credential spec config not referenced at runtime',
    spec: spec((_, c) => {
      c.Privileges = { CredentialSpec: { Config: 'cfg1' } };
    }),
    message:
      "CredentialSpec references config 'cfg1', but that config isn't in config references with RuntimeTarget",
    origin: 'swarmkit',
  },
  {
    name: 'no image',
    spec: spec((_, c) => {
      c.Image = '';
    }),
    message: 'ContainerSpec: image reference must be provided',
    origin: 'swarmkit',
  },
  {
    name: 'bad image',
    spec: spec((_, c) => {
      c.Image = 'busybox###';
    }),
    message: 'ContainerSpec: "busybox###" is not a valid repository/tag',
    origin: 'swarmkit',
  },
  {
    name: 'upper-case image',
    spec: spec((_, c) => {
      c.Image = 'Nginx';
    }),
    message: 'ContainerSpec: "Nginx" is not a valid repository/tag',
    origin: 'swarmkit',
  },
  {
    name: 'two mounts on one target',
    spec: spec((_, c) => {
      c.Mounts = [
        { Type: 'bind', Source: '/mnt/1', Target: '/data' },
        { Type: 'volume', Source: 'vol', Target: '/data' },
      ];
    }),
    message: 'ContainerSpec: duplicate mount point: /data',
    origin: 'swarmkit',
  },
  {
    name: 'health check interval under 1ms',
    spec: spec((_, c) => {
      c.HealthCheck = { Interval: 1000 };
    }),
    message: 'ContainerSpec: Interval in HealthConfig cannot be less than 1ms',
    origin: 'swarmkit',
  },
  {
    name: 'negative health check timeout',
    spec: spec((_, c) => {
      c.HealthCheck = { Timeout: -1e9 };
    }),
    message: 'ContainerSpec: Timeout in HealthConfig cannot be less than 1ms',
    origin: 'swarmkit',
  },
  {
    name: 'health check start period under 1ms',
    spec: spec((_, c) => {
      c.HealthCheck = { StartPeriod: 5 };
    }),
    message: 'ContainerSpec: StartPeriod in HealthConfig cannot be less than 1ms',
    origin: 'swarmkit',
  },
  {
    name: 'negative health check retries',
    spec: spec((_, c) => {
      c.HealthCheck = { Retries: -1 };
    }),
    message: 'ContainerSpec: Retries in HealthConfig cannot be negative',
    origin: 'swarmkit',
  },
  {
    name: 'negative replicas',
    spec: spec((s) => {
      s.Mode = { Replicated: { Replicas: -1 } };
    }),
    message: 'Number of replicas must be non-negative',
    origin: 'swarmkit',
  },
  {
    name: 'negative job concurrency',
    spec: spec((s) => {
      s.Mode = { ReplicatedJob: { MaxConcurrent: -1 } };
    }),
    message: 'Maximum concurrent jobs must not be negative',
    origin: 'swarmkit',
  },
  {
    name: 'negative job completions',
    spec: spec((s) => {
      s.Mode = { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: -4 } };
    }),
    message: 'Total completed jobs must not be negative',
    origin: 'swarmkit',
  },
  {
    name: 'replicated job with an update config',
    spec: spec((s) => {
      s.Mode = { ReplicatedJob: {} };
      s.UpdateConfig = {};
    }),
    message: 'Jobs may not have an update config',
    origin: 'swarmkit',
  },
  {
    name: 'global job with an update config',
    spec: spec((s) => {
      s.Mode = { GlobalJob: {} };
      s.UpdateConfig = { Parallelism: 2 };
    }),
    message: 'Jobs may not have an update config',
    origin: 'swarmkit',
  },
  {
    name: 'negative update delay',
    spec: spec((s) => {
      s.UpdateConfig = { Delay: -1e9 };
    }),
    message: 'TaskSpec: update-delay cannot be negative',
    origin: 'swarmkit',
  },
  {
    name: 'negative update monitor',
    spec: spec((s) => {
      s.UpdateConfig = { Monitor: -1e9 };
    }),
    message: 'TaskSpec: update-monitor cannot be negative',
    origin: 'swarmkit',
  },
  {
    name: 'failure ratio above 1',
    spec: spec((s) => {
      s.UpdateConfig = { MaxFailureRatio: 1.1 };
    }),
    message: 'TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1',
    origin: 'swarmkit',
  },
  {
    name: 'negative failure ratio',
    spec: spec((s) => {
      s.UpdateConfig = { MaxFailureRatio: -0.1 };
    }),
    message: 'TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1',
    origin: 'swarmkit',
  },
  {
    name: 'dnsrr with an ingress port (publish mode left to its default)',
    spec: spec((s) => {
      s.EndpointSpec = { Mode: 'dnsrr', Ports: [{ TargetPort: 80, PublishedPort: 8080 }] };
    }),
    message: "EndpointSpec: port published with ingress mode can't be used with dnsrr mode",
    origin: 'swarmkit',
  },
  {
    // Found by the property test (seed -1045836351): JSON null decodes to Go's zero value.
    name: 'dnsrr with a null port (a zero PortConfig: ingress mode)',
    spec: spec((s) => {
      s.EndpointSpec = { Mode: 'dnsrr', Ports: [null as unknown as PortConfig] };
    }),
    message: "EndpointSpec: port published with ingress mode can't be used with dnsrr mode",
    origin: 'swarmkit',
  },
  {
    name: 'the same published port twice (tcp is the default protocol)',
    spec: spec((s) => {
      s.EndpointSpec = {
        Ports: [
          { TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' },
          { TargetPort: 81, PublishedPort: 8080 },
        ],
      };
    }),
    message: 'EndpointSpec: duplicate published ports provided',
    origin: 'swarmkit',
  },
]);
