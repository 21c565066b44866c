import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERVICE_SPEC } from './engine-schema.ts';
import { serviceSpec } from './fixtures.ts';
import { shapeProblems } from './shape.ts';

/** A valid spec with `patch` applied at the dotted path (creating objects on the way). */
function withField(path: string, value: unknown): unknown {
  const spec = structuredClone(serviceSpec()) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let at: Record<string, unknown> = spec;
  for (const k of keys.slice(0, -1)) {
    at[k] = (at[k] as Record<string, unknown> | undefined) ?? {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1) as string] = value;
  return spec;
}

describe('shapeProblems: the Engine API JSON decoding, with Go encoding/json messages', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not an object', 'nope', 'json: cannot unmarshal string into Go value of type swarm.ServiceSpec'],
    ['an array', [], 'json: cannot unmarshal array into Go value of type swarm.ServiceSpec'],
    [
      'replicas as a string',
      withField('Mode.Replicated.Replicas', '3'),
      'json: cannot unmarshal string into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64',
    ],
    [
      'fractional replicas',
      withField('Mode.Replicated.Replicas', 1.5),
      'json: cannot unmarshal number 1.5 into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64',
    ],
    [
      'negative parallelism (uint64)',
      withField('UpdateConfig.Parallelism', -1),
      'json: cannot unmarshal number -1 into Go struct field UpdateConfig.UpdateConfig.Parallelism of type uint64',
    ],
    [
      'a number in Env',
      withField('TaskTemplate.ContainerSpec.Env', [1]),
      'json: cannot unmarshal number into Go struct field ContainerSpec.TaskTemplate.ContainerSpec.Env of type string',
    ],
    [
      'Env as a string',
      withField('TaskTemplate.ContainerSpec.Env', 'A=1'),
      'json: cannot unmarshal string into Go struct field ContainerSpec.TaskTemplate.ContainerSpec.Env of type []string',
    ],
    [
      'a label that is not a string',
      withField('Labels', { tier: 1 }),
      'json: cannot unmarshal number into Go struct field ServiceSpec.Labels of type string',
    ],
    [
      'a struct given as a bool',
      withField('TaskTemplate.RestartPolicy', true),
      'json: cannot unmarshal bool into Go struct field TaskSpec.TaskTemplate.RestartPolicy of type swarm.RestartPolicy',
    ],
    [
      'a duration as text',
      withField('TaskTemplate.RestartPolicy.Delay', '5s'),
      'json: cannot unmarshal string into Go struct field RestartPolicy.TaskTemplate.RestartPolicy.Delay of type time.Duration',
    ],
    [
      'a port beyond uint32',
      withField('EndpointSpec.Ports', [{ TargetPort: 70_000_000_000 }]),
      'json: cannot unmarshal number 70000000000 into Go struct field PortConfig.EndpointSpec.Ports.TargetPort of type uint32',
    ],
    [
      'a file mode as text',
      withField('TaskTemplate.ContainerSpec.Secrets', [{ File: { Mode: '0444' } }]),
      'json: cannot unmarshal string into Go struct field SecretReferenceFileTarget.TaskTemplate.ContainerSpec.Secrets.File.Mode of type fs.FileMode',
    ],
    [
      'a ratio as text',
      withField('RollbackConfig.MaxFailureRatio', '0.5'),
      'json: cannot unmarshal string into Go struct field UpdateConfig.RollbackConfig.MaxFailureRatio of type float32',
    ],
    [
      'an object where a string belongs',
      withField('Name', { a: 1 }),
      'json: cannot unmarshal object into Go struct field ServiceSpec.Name of type string',
    ],
  ];
  for (const [name, value, message] of cases) {
    it(name, () => {
      const [p] = shapeProblems(value, SERVICE_SPEC);
      assert.equal(p?.message, message);
      assert.equal(p?.origin, 'engine');
      assert.equal(p?.httpStatus, 400);
    });
  }

  it('accepts null anywhere and ignores unknown fields, as Go does', () => {
    assert.deepEqual(shapeProblems(null, SERVICE_SPEC), []);
    assert.deepEqual(shapeProblems(withField('TaskTemplate.RestartPolicy', null), SERVICE_SPEC), []);
    assert.deepEqual(
      shapeProblems(withField('TaskTemplate.ContainerSpec.Env', [null, 'A=1']), SERVICE_SPEC),
      [],
    );
    assert.deepEqual(shapeProblems(withField('Surprise', { any: ['thing'] }), SERVICE_SPEC), []);
  });
  it('names the field path in problem.field', () => {
    const [p] = shapeProblems(withField('TaskTemplate.RestartPolicy.Delay', '5s'), SERVICE_SPEC);
    assert.equal(p?.field, 'TaskTemplate.RestartPolicy.Delay');
  });
  it('reports every type problem, in field order', () => {
    const v = withField('Name', 1) as Record<string, unknown>;
    v.Labels = [];
    assert.deepEqual(
      shapeProblems(v, SERVICE_SPEC).map((p) => p.field),
      ['Name', 'Labels'],
    );
  });
});
