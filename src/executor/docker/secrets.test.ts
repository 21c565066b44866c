/**
 * Secrets and configs on a real engine: files with their uid/gid/mode inside the
 * container before the process starts, on a tmpfs on the host, never in the engine's data
 * root on disk, and gone from memory once the task is removed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { after, describe, it, test } from 'node:test';
import { testEngine } from '../../../test/support/dockerd.ts';
import type { Config, Secret } from '../../api/secret.ts';
import { ExecutorError } from '../errors.ts';
import { busybox, dockerTask, FILES_ROOT, logLines, testExecutor, uid } from './testkit.ts';

const t = await testEngine();
after(async () => {
  await t.engine?.stop();
  rmSync(FILES_ROOT, { recursive: true, force: true });
});

const meta = { Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

if (t.skip !== undefined) {
  test('DockerExecutor secrets and configs', { skip: t.skip }, () => {});
} else {
  const engine = t.engine;
  describe('DockerExecutor secrets and configs', () => {
    it('delivers files with uid, gid and mode; nothing reaches the disk; removal clears them', async () => {
      const ex = testExecutor(engine);
      const marker = `s3cr3t-${uid()}`;
      const secret: Secret = { ID: 'sec1', ...meta, Spec: { Name: 'db_pw', Data: b64(marker) } };
      const config: Config = { ID: 'cfg1', ...meta, Spec: { Name: 'app.conf', Data: b64('listen 80\n') } };
      const task = dockerTask(
        busybox(
          [
            'stat -c "%n %a %u %g" /run/secrets/db_pw /run/secrets/nested/token /etc/app.conf',
            'cat /run/secrets/db_pw; echo',
            'cat /etc/app.conf',
            'grep " /run/secrets " /proc/mounts | grep -q " ro," && echo secrets=ro',
          ].join('; '),
          {
            Secrets: [
              {
                SecretID: 'sec1',
                SecretName: 'db_pw',
                File: { Name: 'db_pw', UID: '1000', GID: '1001', Mode: 0o400 },
              },
              {
                SecretID: 'sec1',
                SecretName: 'db_pw',
                File: { Name: 'nested/token', UID: '0', GID: '0', Mode: 0o440 },
              },
            ],
            Configs: [
              {
                ConfigID: 'cfg1',
                ConfigName: 'app.conf',
                File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 0o644 },
              },
            ],
          },
        ),
      );
      const deps = {
        secret: (id: string) => (id === 'sec1' ? secret : undefined),
        config: (id: string) => (id === 'cfg1' ? config : undefined),
      };
      const ctlr = ex.controller(task, deps);
      const dir = `${FILES_ROOT}/${ex.opts.nodeId}/${task.ID}`;
      try {
        await ctlr.prepare();
        await ctlr.start();
        assert.equal((await ctlr.wait()).exitCode, 0);
        const out = await logLines(ctlr);
        assert.deepEqual(out, [
          'stdout: /run/secrets/db_pw 400 1000 1001',
          'stdout: /run/secrets/nested/token 440 0 0',
          'stdout: /etc/app.conf 644 0 0',
          `stdout: ${marker}`,
          'stdout: listen 80',
          'stdout: secrets=ro',
        ]);
        assert.ok(existsSync(`${dir}/secrets/db_pw`), 'kept on the tmpfs while the task exists');
        if (engine.dataRoot) {
          const found = spawnSync('grep', ['-rl', '--exclude-dir=containers', marker, engine.dataRoot]);
          assert.equal(found.stdout.toString(), '', 'the secret is nowhere in the data root');
          const logs = spawnSync('grep', ['-rl', marker, `${engine.dataRoot}/containers`]);
          // The container printed it itself: only its own log may hold it, nothing else.
          for (const f of logs.stdout.toString().split('\n').filter(Boolean)) assert.match(f, /-json\.log$/);
        }
      } finally {
        await ctlr.remove();
        await ex.dispose();
      }
      assert.equal(existsSync(`${dir}/secrets/db_pw`), false, 'removed with the task');
    });

    it('a secret the agent does not hold rejects the task at prepare', async () => {
      const ex = testExecutor(engine);
      const task = dockerTask(busybox('true', { Secrets: [{ SecretID: 'nope', SecretName: 'missing' }] }));
      const ctlr = ex.controller(task, { secret: () => undefined });
      try {
        await assert.rejects(
          ctlr.prepare(),
          (e: unknown) => e instanceof ExecutorError && /secret missing/.test(e.message),
        );
      } finally {
        await ctlr.remove();
        await ex.dispose();
      }
    });
  });
}
