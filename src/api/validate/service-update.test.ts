import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceSpec } from '../service.ts';
import { service, serviceSpec } from './fixtures.ts';
import { validateServiceSpec } from './service.ts';

const existing = service(serviceSpec({ Networks: undefined }));

function update(edit: (s: ServiceSpec) => void, from = existing): ReturnType<typeof validateServiceSpec> {
  const s = structuredClone(from.Spec);
  edit(s);
  return validateServiceSpec(s, { existing: from });
}

describe('validateServiceSpec with { existing }: the update rules', () => {
  it('accepts scaling, a new image, new labels', () => {
    assert.deepEqual(
      update((s) => {
        s.Mode = { Replicated: { Replicas: 9 } };
        s.TaskTemplate.ContainerSpec = { Image: 'nginx:1.27' };
        s.Labels = { tier: 'front' };
      }),
      [],
    );
  });
  it('treats a missing mode as replicated, as the daemon does', () => {
    assert.deepEqual(
      update((s) => {
        delete s.Mode;
      }),
      [],
    );
  });
  const modeChanges: Array<[string, ServiceSpec['Mode']]> = [
    ['global', { Global: {} }],
    ['replicated-job', { ReplicatedJob: {} }],
    ['global-job', { GlobalJob: {} }],
  ];
  for (const [name, mode] of modeChanges) {
    it(`refuses replicated -> ${name}: "service mode change is not allowed" (gRPC Unimplemented)`, () => {
      const [p, ...rest] = update((s) => {
        s.Mode = mode;
      });
      assert.deepEqual(rest, []);
      assert.equal(p?.message, 'service mode change is not allowed');
      assert.deepEqual(
        [p?.origin, p?.grpc, p?.httpStatus, p?.code],
        ['swarmkit', 'Unimplemented', 501, 'invalid_argument'],
      );
    });
  }
  it('refuses a rename', () => {
    assert.deepEqual(
      update((s) => {
        s.Name = 'api';
      }).map((p) => p.message),
      ['renaming services is not supported'],
    );
  });
  it('refuses changing the deprecated Spec.Networks alone', () => {
    const from = service(serviceSpec({ Networks: [{ Target: 'net1' }] }));
    assert.deepEqual(
      update((s) => {
        s.Networks = [{ Target: 'net2' }];
      }, from).map((p) => p.message),
      ['networks must be migrated to TaskSpec before being changed'],
    );
  });
  it('allows migrating Spec.Networks to TaskTemplate.Networks', () => {
    const from = service(serviceSpec({ Networks: [{ Target: 'net1' }] }));
    assert.deepEqual(
      update((s) => {
        delete s.Networks;
        s.TaskTemplate.Networks = [{ Target: 'net1' }];
      }, from),
      [],
    );
  });
  it('reads absent and empty network lists as equal', () => {
    const from = service(serviceSpec({ Networks: [] }));
    assert.deepEqual(
      update((s) => {
        delete s.Networks;
      }, from),
      [],
    );
  });
  it('reports the spec rules before the update rules', () => {
    assert.deepEqual(
      update((s) => {
        s.TaskTemplate.ContainerSpec = { Image: '' };
        s.Mode = { Global: {} };
      }).map((p) => p.message),
      ['ContainerSpec: image reference must be provided', 'service mode change is not allowed'],
    );
  });
});
