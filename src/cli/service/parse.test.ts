import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  normalizeImage,
  parseEnv,
  parseFileRef,
  parseMount,
  parseNetwork,
  parsePlacementPref,
  parsePublish,
  shellSplit,
} from './parse.ts';

describe('service flag syntaxes', () => {
  it('-p short syntax', () => {
    assert.deepEqual(parsePublish('8080:80'), [
      { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
    ]);
    assert.deepEqual(parsePublish('53/udp'), [{ Protocol: 'udp', TargetPort: 53, PublishMode: 'ingress' }]);
    assert.equal(parsePublish('8000-8002:80-82').length, 3);
    assert.throws(() => parsePublish('8000-8003:80-82'), /invalid ranges/);
    assert.throws(() => parsePublish('x:80'), /invalid published port/);
  });
  it('-p long syntax', () => {
    assert.deepEqual(parsePublish('published=9000,target=90,protocol=udp,mode=host'), [
      { Protocol: 'udp', TargetPort: 90, PublishedPort: 9000, PublishMode: 'host' },
    ]);
    assert.throws(() => parsePublish('published=9000'), /missing mandatory field "target"/);
    assert.throws(() => parsePublish('target=1,mode=x'), /invalid publish mode/);
  });
  it('--mount', () => {
    assert.deepEqual(parseMount('type=bind,source=/a,target=/b,readonly'), {
      Type: 'bind',
      Source: '/a',
      Target: '/b',
      ReadOnly: true,
    });
    assert.deepEqual(parseMount('src=v,dst=/d,volume-label=x=y,volume-driver=local'), {
      Type: 'volume',
      Source: 'v',
      Target: '/d',
      VolumeOptions: { Labels: { x: 'y' }, DriverConfig: { Name: 'local' } },
    });
    assert.throws(() => parseMount('type=bind,source=/a'), /target is required/);
    assert.throws(() => parseMount('type=tmpfs,target=/a,volume-nocopy'), /cannot mix/);
  });
  it('--secret / --config', () => {
    assert.deepEqual(parseFileRef('pw'), { source: 'pw', target: 'pw', uid: '0', gid: '0', mode: 0o444 });
    assert.deepEqual(parseFileRef('source=pw,target=/run/pw,mode=0400,uid=5'), {
      source: 'pw',
      target: '/run/pw',
      uid: '5',
      gid: '0',
      mode: 0o400,
    });
  });
  it('--network, --env, --placement-pref, entrypoint splitting, image names', () => {
    assert.deepEqual(parseNetwork('name=front,alias=web'), { Target: 'front', Aliases: ['web'] });
    assert.deepEqual(parseNetwork('front'), { Target: 'front' });
    assert.equal(parseEnv('A=1', {}), 'A=1');
    assert.equal(parseEnv('HOME', { HOME: '/root' }), 'HOME=/root');
    assert.equal(parseEnv('NOPE', {}), 'NOPE');
    assert.deepEqual(parsePlacementPref('spread=node.labels.zone'), {
      Spread: { SpreadDescriptor: 'node.labels.zone' },
    });
    assert.throws(() => parsePlacementPref('pack=x'), /unsupported placement preference/);
    assert.deepEqual(shellSplit(`sh -c "echo 'hi there'"`), ['sh', '-c', "echo 'hi there'"]);
    assert.equal(normalizeImage('nginx'), 'nginx:latest');
    assert.equal(normalizeImage('localhost:5000/app'), 'localhost:5000/app:latest');
    assert.equal(normalizeImage('nginx:1.27'), 'nginx:1.27');
  });
});
