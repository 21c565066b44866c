/** Secrets and configs as files: where they go, their modes, and what is refused. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ControllerDeps } from '../executor.ts';
import { inside } from './files.ts';
import { collect, type Sandbox, sandbox, started } from './testkit.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const at = '2024-01-01T00:00:00.000Z';
const meta = (id: string) => ({ ID: id, Version: { Index: 1 }, CreatedAt: at, UpdatedAt: at });

const deps: ControllerDeps = {
  secret: (id) =>
    id === 'sec1' ? { ...meta(id), Spec: { Name: 'db-pass', Data: b64('hunter2') } } : undefined,
  config: (id) =>
    id === 'cfg1' ? { ...meta(id), Spec: { Name: 'app.conf', Data: b64('port=1\n') } } : undefined,
};

describe('process executor: secrets and configs', () => {
  const boxes: Sandbox[] = [];
  const box = (): Sandbox => {
    const b = sandbox();
    boxes.push(b);
    return b;
  };
  after(() => {
    for (const b of boxes) b.cleanup();
  });

  it('a secret is a file with its mode on the tmpfs, not under the data directory', async () => {
    const b = box();
    const ex = b.executor();
    const { task, ctlr } = await started(
      ex,
      {
        Image: 'busybox',
        Command: [
          'sh',
          '-c',
          'cat "$SHOAL_SECRETS_DIR/db-pass"; echo; cat "$SHOAL_CONFIGS_DIR/etc/app.conf"',
        ],
        Secrets: [
          {
            SecretID: 'sec1',
            SecretName: 'db-pass',
            File: { Name: 'db-pass', UID: '0', GID: '0', Mode: 0o400 },
          },
        ],
        Configs: [
          {
            ConfigID: 'cfg1',
            ConfigName: 'app.conf',
            File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 0o640 },
          },
        ],
      },
      { deps },
    );
    assert.equal((await ctlr.wait()).exitCode, 0);
    assert.deepEqual(await collect(ctlr.logs()), ['stdout:hunter2', 'stdout:port=1']);
    const secret = join(b.secretsRoot, task.ID, 'db-pass');
    assert.equal(readFileSync(secret, 'utf8'), 'hunter2');
    assert.equal(statSync(secret).mode & 0o777, 0o400);
    assert.equal(statSync(join(b.secretsRoot, task.ID)).mode & 0o777, 0o700);
    const config = join(ctlr.task.layout.configs, 'etc/app.conf');
    assert.equal(statSync(config).mode & 0o777, 0o640);
    // no plain text of the secret anywhere under the data directory
    // (the task printed it, so its log has it: that is the task's doing)
    const { spawnSync } = await import('node:child_process');
    const grep = spawnSync('grep', ['-rl', 'hunter2', b.dataDir, '--exclude=log.jsonl'], {
      encoding: 'utf8',
    });
    assert.equal(grep.status, 1, `secret on disk in ${grep.stdout}`);
    await ctlr.remove();
    assert.equal(existsSync(join(b.secretsRoot, task.ID)), false, 'removed with the task');
    await ex.dispose();
  });

  it('a missing secret rejects the task at prepare', async () => {
    const b = box();
    const ex = b.executor();
    await assert.rejects(
      started(
        ex,
        {
          Image: 'busybox',
          Command: ['true'],
          Secrets: [
            { SecretID: 'nope', SecretName: 'gone', File: { Name: 'gone', UID: '0', GID: '0', Mode: 0o444 } },
          ],
        },
        { deps },
      ),
      /secret gone \(nope\) not found/,
    );
    await ex.dispose();
  });

  it('a target cannot leave its folder', () => {
    assert.equal(inside('/s', 'a/b'), '/s/a/b');
    assert.equal(inside('/s', '/etc/x'), '/s/etc/x');
    assert.throws(() => inside('/s', '../x'), /invalid file target/);
    assert.throws(() => inside('/s', 'a/../../x'), /invalid file target/);
  });
});
