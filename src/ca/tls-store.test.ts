/**
 * NodeTlsStore keeps Docker's file layout and modes, writes atomically, recovers from a
 * crash between the key and the certificate, and seals the key with a supplied cipher,
 * saying so in the PEM headers. The same suite runs on disk and on the in-memory twin.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type FileOps, nodeFileOps } from './atomic-file.ts';
import { TlsKeyLockedError, TlsStoreCorruptError } from './errors.ts';
import { type KeyCipher, SWARM_LOCKED_MESSAGE } from './key-file.ts';
import { memoryFileOps } from './memory-files.ts';
import { decodePemAll } from './pem.ts';
import { nodeCert, sharedRoot } from './testkit.ts';
import { NodeTlsStore } from './tls-store.ts';

/** AES-256-GCM under a fixed key: a stand-in for the autolock KEK. */
function aesCipher(version: number, key = randomBytes(32)): KeyCipher {
  return {
    version,
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    open(sealed) {
      const b = Buffer.from(sealed);
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]);
    },
  };
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function onDisk(): { dir: string; files: FileOps } {
  const base = mkdtempSync(join(tmpdir(), 'shoal-ca-'));
  dirs.push(base);
  return { dir: join(base, 'swarm', 'certificates'), files: nodeFileOps };
}

function inMemory(): { dir: string; files: FileOps } {
  return { dir: '/data/swarm/certificates', files: memoryFileOps() };
}

for (const [name, make] of [
  ['on disk', onDisk],
  ['in memory', inMemory],
] as const) {
  describe(`NodeTlsStore ${name}`, () => {
    it('stores the root verbatim and the node material with the right modes', async () => {
      const { dir, files } = make();
      const store = new NodeTlsStore(dir, { files });
      assert.equal(await store.readRoot(), null);
      assert.equal(await store.readNode(), null);
      const root = await sharedRoot();
      const node = await nodeCert();
      await store.writeRoot(root.certPem);
      await store.writeNode(node);
      assert.equal(await store.readRoot(), root.certPem);
      const got = await store.readNode();
      assert.equal(got?.certPem, node.certPem);
      assert.equal(got?.keyPem, node.keyPem);
      assert.deepEqual([got?.sealed, got?.kekVersion, got?.headers], [false, 0, {}]);
      assert.equal(await files.mode(store.paths.key), 0o600);
      assert.equal(await files.mode(store.paths.cert), 0o644);
      assert.equal(await files.mode(store.paths.root), 0o644);
      assert.deepEqual((await files.list(dir)).sort(), [
        'swarm-node.crt',
        'swarm-node.key',
        'swarm-root-ca.crt',
      ]);
      // On disk the key carries swarmkit's kek-version header; what we hand out has none.
      const raw = (await files.readFile(store.paths.key)) ?? '';
      assert.match(raw, /^-----BEGIN PRIVATE KEY-----\nkek-version: 0\n\n/);
      assert.doesNotThrow(() => createPrivateKey(got?.keyPem ?? ''));
      await store.destroy();
      assert.deepEqual(await files.list(dir), []);
    });

    it('seals the key with the cipher and says so in the headers', async () => {
      const { dir, files } = make();
      const kek = aesCipher(7);
      const store = new NodeTlsStore(dir, { files, cipher: kek });
      const node = await nodeCert();
      await store.writeNode({ ...node, headers: { 'raft-dek': 'abc' } });
      const raw = (await files.readFile(store.paths.key)) ?? '';
      const [block] = decodePemAll(raw);
      assert.equal(block?.type, 'SEALED PRIVATE KEY');
      assert.deepEqual(block?.headers, { 'kek-sealed': 'true', 'kek-version': '7', 'raft-dek': 'abc' });
      assert.ok(!raw.includes(node.keyPem.split('\n')[1] ?? 'x'));
      const got = await store.readNode();
      assert.deepEqual(
        [got?.keyPem, got?.sealed, got?.kekVersion, got?.headers],
        [node.keyPem, true, 7, { 'raft-dek': 'abc' }],
      );
      // Without the cipher: Docker's "swarm is locked"; with the wrong one: invalid key.
      await assert.rejects(new NodeTlsStore(dir, { files }).readNode(), (e: unknown) => {
        return (
          e instanceof TlsKeyLockedError &&
          e.message === SWARM_LOCKED_MESSAGE &&
          e.code === 'failed_precondition'
        );
      });
      await assert.rejects(
        new NodeTlsStore(dir, { files, cipher: aesCipher(7) }).readNode(),
        /swarm could not be unlocked: invalid key provided/,
      );
      // KEK rotation re-seals the same key; unsealing writes it plain again.
      const kek2 = aesCipher(8);
      await store.setCipher(kek2);
      assert.equal((await new NodeTlsStore(dir, { files, cipher: kek2 }).readNode())?.kekVersion, 8);
      await store.updateHeaders((h) => ({ ...h, 'raft-dek': 'def' }));
      await store.setCipher(null);
      const plain = await new NodeTlsStore(dir, { files }).readNode();
      assert.deepEqual(
        [plain?.keyPem, plain?.sealed, plain?.headers],
        [node.keyPem, false, { 'raft-dek': 'def' }],
      );
    });

    it('finishes a writeNode interrupted between the key and the certificate', async () => {
      const { dir, files } = make();
      const store = new NodeTlsStore(dir, { files });
      const old = await nodeCert({ nodeId: 'old' });
      await store.writeNode(old);
      const fresh = await nodeCert({ nodeId: 'new' });
      // Crash after the key was replaced, before the pending certificate was renamed.
      const crashing: FileOps = {
        ...files,
        async rename(from, to) {
          if (from === store.paths.pendingCert) throw new Error('crash');
          return files.rename(from, to);
        },
      };
      await assert.rejects(new NodeTlsStore(dir, { files: crashing }).writeNode(fresh), /crash/);
      const got = await store.readNode();
      assert.equal(got?.certPem, fresh.certPem);
      assert.equal(got?.keyPem, fresh.keyPem);
      assert.equal(await files.readFile(store.paths.pendingCert), null);
    });

    it('leaves the old file whole and no temporary behind when a write fails', async () => {
      const { dir, files } = make();
      const store = new NodeTlsStore(dir, { files });
      const root = await sharedRoot();
      await store.writeRoot(root.certPem);
      const failing: FileOps = {
        ...files,
        async writeNew(path, data, mode) {
          await files.writeNew(path, data.slice(0, 10), mode); // torn write...
          throw new Error('disk full'); // ...then the failure
        },
      };
      await assert.rejects(new NodeTlsStore(dir, { files: failing }).writeRoot('other'), /disk full/);
      assert.equal(await store.readRoot(), root.certPem);
      assert.deepEqual(await files.list(dir), ['swarm-root-ca.crt']);
    });

    it('reports a certificate that does not match the key as corrupt', async () => {
      const { dir, files } = make();
      const store = new NodeTlsStore(dir, { files });
      const a = await nodeCert({ nodeId: 'a' });
      const b = await nodeCert({ nodeId: 'b' });
      await store.writeNode(a);
      await files.remove(store.paths.cert);
      await files.writeNew(store.paths.cert, b.certPem, 0o644);
      await assert.rejects(
        store.readNode(),
        (e: unknown) => e instanceof TlsStoreCorruptError && /does not match/.test(e.message),
      );
      await files.remove(store.paths.root);
      await files.writeNew(store.paths.root, 'junk', 0o644);
      await assert.rejects(store.readRoot(), TlsStoreCorruptError);
    });
  });
}

describe('NodeTlsStore on disk', () => {
  it('creates the key file 0600 even under a permissive umask', async () => {
    const { dir } = onDisk();
    const prev = process.umask(0);
    try {
      const store = new NodeTlsStore(dir);
      await store.writeNode(await nodeCert());
      assert.equal(statSync(store.paths.key).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir).sort(), ['swarm-node.crt', 'swarm-node.key']);
    } finally {
      process.umask(prev);
    }
  });
});
