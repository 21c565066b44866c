/** What a task runs: the image rules, the wrapper, the environment. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeTask } from '../testing.ts';
import { BASE_IMAGES, imageName, resolveArgv, wrapperArgs } from './command.ts';
import { taskEnv } from './env.ts';

const PATH = process.env.PATH ?? '/usr/bin:/bin';

describe('process executor: commands', () => {
  it('image names', () => {
    assert.equal(imageName('node'), 'node');
    assert.equal(imageName('node:20'), 'node');
    assert.equal(imageName('docker.io/library/redis:7@sha256:abc'), 'redis');
    assert.equal(imageName('localhost:5000/team/app'), 'app');
  });

  it('Command wins and the image is only a label', async () => {
    assert.deepEqual(
      await resolveArgv(
        { Image: 'nope/nothing:1', Command: ['sh', '-c'], Args: ['echo hi'] },
        BASE_IMAGES,
        PATH,
      ),
      ['sh', '-c', 'echo hi'],
    );
  });

  it('base images run their Args; other images their name from the PATH', async () => {
    assert.deepEqual(await resolveArgv({ Image: 'busybox:1.36', Args: ['sleep', '1'] }, BASE_IMAGES, PATH), [
      'sleep',
      '1',
    ]);
    assert.deepEqual(await resolveArgv({ Image: 'node:20', Args: ['-v'] }, BASE_IMAGES, PATH), [
      'node',
      '-v',
    ]);
    assert.deepEqual(await resolveArgv({ Image: 'web' }, { web: ['python3', '-m', 'http.server'] }, PATH), [
      'python3',
      '-m',
      'http.server',
    ]);
  });

  it('an image that is nowhere: No such image; nothing to run: No command specified', async () => {
    await assert.rejects(resolveArgv({ Image: 'shoal-test/missing:1' }, BASE_IMAGES, PATH), {
      message: 'No such image: shoal-test/missing:1',
    });
    await assert.rejects(resolveArgv({ Image: 'alpine' }, BASE_IMAGES, PATH), {
      message: 'No command specified',
    });
  });

  it('the wrapper traps the stop signal it is given', () => {
    const [, script, exitFile, ...argv] = wrapperArgs('/x/exit', ['a', 'b'], 'SIGWINCH');
    assert.match(script!, /^trap : HUP INT QUIT TERM USR1 USR2 WINCH$/m);
    assert.equal(exitFile, '/x/exit');
    assert.deepEqual(argv, ['a', 'b']);
  });

  it('environment: a few daemon variables, the spec, then SHOAL_* and ports', () => {
    const task = makeTask('t1', {
      Image: 'x',
      Env: ['A=1', 'PATH=/opt/bin', 'SHOAL_TASK_ID=spoofed', 'BARE'],
    });
    const env = taskEnv(
      { ...task, ServiceAnnotations: { Name: 'web' } },
      {
        nodeId: 'n1',
        hostname: 'h1',
        workDir: '/d/work',
        taskDir: '/d',
        ports: [{ protocol: 'tcp', targetPort: 80, hostPort: 40001 }],
        base: { PATH: '/usr/bin', SECRET_OF_DAEMON: 'x', LANG: 'C.UTF-8' },
      },
    );
    const o = Object.fromEntries(
      env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    assert.equal(o.PATH, '/opt/bin');
    assert.equal(o.LANG, 'C.UTF-8');
    assert.equal(o.SECRET_OF_DAEMON, undefined);
    assert.equal(o.A, '1');
    assert.equal(o.HOME, '/d/work');
    assert.equal(o.SHOAL_TASK_ID, 't1');
    assert.equal(o.SHOAL_SERVICE_NAME, 'web');
    assert.equal(o.SHOAL_NODE_ID, 'node');
    assert.equal(o.PORT, '40001');
    assert.equal(o.SHOAL_PORT_80, '40001');
  });
});
