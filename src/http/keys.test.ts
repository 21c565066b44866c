import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BODY_SHAPES, type BodySchema, decodeKeys, wireTaskSpec } from './keys.ts';

const decode = (v: unknown, b: BodySchema) => decodeKeys(v, b.shape, b.keep);

describe('decodeKeys (Go’s decoding: case-insensitive keys, unknown ones dropped)', () => {
  it('renames struct keys to our names, deep, drops unknown keys, leaves map keys alone', () => {
    const sent = {
      name: 'web',
      labels: { Team: 'a', team: 'b' },
      taskTemplate: {
        containerSpec: {
          image: 'nginx',
          Healthcheck: { test: ['CMD', 'true'], interval: 1 },
          mounts: [{ type: 'bind', source: '/a', target: '/b' }],
          env: ['A=1'],
        },
        Networks: [{ target: 'net', driverOpts: { K: 'v' } }],
      },
      endpointSpec: { ports: [{ targetPort: 80 }] },
      XShoal: 1,
    };
    assert.deepEqual(decode(sent, BODY_SHAPES.service), {
      Name: 'web',
      Labels: { Team: 'a', team: 'b' },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx',
          HealthCheck: { Test: ['CMD', 'true'], Interval: 1 },
          Mounts: [{ Type: 'bind', Source: '/a', Target: '/b' }],
          Env: ['A=1'],
        },
        Networks: [{ Target: 'net', DriverOpts: { K: 'v' } }],
      },
      EndpointSpec: { Ports: [{ TargetPort: 80 }] },
    });
  });

  it('keeps the Engine fields Shoal does not model, as sent', () => {
    const sent = {
      version: 12,
      TaskTemplate: {
        PluginSpec: { Name: 'p', Remote: 'r' },
        ContainerSpec: {
          privileges: { seLinuxContext: { Disable: true }, NoNewPrivileges: true, Bogus: 1 },
          Mounts: [{ Target: '/a', BindOptions: { ReadOnlyNonRecursive: true, bogus: 2 } }],
        },
      },
    };
    assert.deepEqual(decode(sent, BODY_SHAPES.service), {
      TaskTemplate: {
        PluginSpec: { Name: 'p', Remote: 'r' },
        ContainerSpec: {
          Privileges: { SELinuxContext: { Disable: true }, NoNewPrivileges: true },
          Mounts: [{ Target: '/a', BindOptions: { ReadOnlyNonRecursive: true } }],
        },
      },
    });
    assert.deepEqual(
      decode({ CAConfig: { ExternalCAs: [{ URL: 'u', CACert: 'c', x: 1 }] } }, BODY_SHAPES.swarm),
      {
        CAConfig: { ExternalCAs: [{ URL: 'u', CACert: 'c' }] },
      },
    );
  });

  it('lets the later of two keys for one field win, as Go does', () => {
    assert.deepEqual(decode({ name: 'a', Name: 'b' }, BODY_SHAPES.node), { Name: 'b' });
    assert.deepEqual(decode({ Name: 'a', NAME: 'b' }, BODY_SHAPES.node), { Name: 'b' });
  });

  it('passes values that are not objects through for validation to refuse', () => {
    assert.equal(decode('x', BODY_SHAPES.service), 'x');
    assert.deepEqual(decode({ Mode: 'global' }, BODY_SHAPES.service), { Mode: 'global' });
    assert.deepEqual(decode([{ a: 1 }], BODY_SHAPES.service), [{ a: 1 }]);
  });

  it('knows the bodies only HTTP decodes', () => {
    assert.deepEqual(decode({ listenaddr: 'x', spec: { raft: { electionTick: 3 } } }, BODY_SHAPES.init), {
      ListenAddr: 'x',
      Spec: { Raft: { ElectionTick: 3 } },
    });
    assert.deepEqual(decode({ ipam: { config: [{ subnet: 's' }] } }, BODY_SHAPES.networkCreate), {
      IPAM: { Config: [{ Subnet: 's' }] },
    });
  });
});

describe('wireTaskSpec', () => {
  it('writes Go’s Healthcheck', () => {
    const spec = { ContainerSpec: { Image: 'x', HealthCheck: { Test: ['NONE'] } }, ForceUpdate: 0 };
    assert.deepEqual(wireTaskSpec(spec), {
      ContainerSpec: { Image: 'x', Healthcheck: { Test: ['NONE'] } },
      ForceUpdate: 0,
    });
    assert.deepEqual(wireTaskSpec({ Runtime: 'plugin' }), { Runtime: 'plugin' });
  });
});
