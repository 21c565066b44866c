import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadEngineSchema } from './engine-schema.ts';

const schema = loadEngineSchema();

describe('the swagger oracle', { skip: schema === undefined ? 'Engine API swagger absent' : false }, () => {
  const s = schema as NonNullable<typeof schema>;

  it('finds operations by path, literal segments before parameters', () => {
    assert.equal(s.operation('POST', '/services/create')?.template, '/services/create');
    assert.equal(s.operation('GET', '/services/abc')?.template, '/services/{id}');
    assert.equal(
      s.operation('GET', '/distribution/docker.io/library/nginx:1/json')?.template,
      '/distribution/{name}/json',
    );
  });

  it('catches a wrong type, and a key the Engine does not have', () => {
    const service = { ID: 'x', Version: { Index: 1 }, Spec: { Name: 'web' } };
    assert.deepEqual(s.validateResponse('GET', '/services/x', 200, service), []);
    assert.notDeepEqual(
      s.validateResponse('GET', '/services/x', 200, { ...service, Version: { Index: 'one' } }),
      [],
    );
    assert.deepEqual(
      s.validateResponse('GET', '/services/x', 200, { ...service, SpecVersion: { Index: 1 } }),
      ['/SpecVersion is not in the schema'],
    );
    const task = { ID: 't', Spec: { ContainerSpec: { Image: 'x', Healthcheck: { Test: ['NONE'] } } } };
    assert.deepEqual(s.validateResponse('GET', '/tasks/t', 200, task), []);
    assert.deepEqual(s.validateResponse('GET', '/tasks/t', 200, { ...task, ServiceAnnotations: {} }), [
      '/ServiceAnnotations is not in the schema',
    ]);
  });

  it('checks errors against ErrorResponse and request bodies against the body parameter', () => {
    assert.deepEqual(s.validateResponse('GET', '/nodes', 503, { message: 'm' }), []);
    assert.notDeepEqual(s.validateResponse('GET', '/nodes', 503, { error: 'm' }), []);
    assert.deepEqual(s.validateRequest('POST', '/secrets/create', { Name: 'a', Data: 'eA==' }), []);
    assert.notDeepEqual(s.validateRequest('POST', '/secrets/create', { Name: 1 }), []);
  });
});
