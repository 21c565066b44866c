/**
 * The cipher in place in raft storage: FileStorage with createCipher passes the storage
 * contract, leaves no plaintext on disk, refuses the wrong key without touching the files,
 * refuses altered records even when their CRC is fixed up, and completes a DEK rotation.
 */
import assert from 'node:assert/strict';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import type { Entry } from '../raft/core/types.ts';
import type { Cipher } from '../raft/storage/cipher.ts';
import { identityCipher } from '../raft/storage/cipher.ts';
import { FileStorage } from '../raft/storage/file.ts';
import { RECORD_HEADER_BYTES, scanRecords } from '../raft/storage/record.ts';
import { storageContract } from '../raft/storage/storage.contract.ts';
import { CorruptionError } from '../raft/storage/storage.ts';
import { segmentPaths, tempRoot } from '../raft/storage/testing.ts';
import { cipherForKeys, createCipher } from './cipher.ts';
import { keyIdHex } from './envelope.ts';
import { KeyManager } from './keymanager.ts';
import { generateDek, keyId } from './keys.ts';
import { canFinishRotation, sealingKeysOnDisk } from './rotation.ts';
import { generateUnlockKey } from './unlockkey.ts';

const tmp = tempRoot('crypt-storage');
const conf = { voters: ['n1'], learners: [] };
const hs = (term: number, commit: number) => ({ term, vote: 'n1', commit });

for (const [name, segmentBytes] of [
  ['default segments', undefined],
  ['64-byte segments', 64],
] as const) {
  const dek = generateDek();
  storageContract(
    `FileStorage + createCipher (AES-256-GCM, ${name})`,
    async () => {
      const dir = tmp.next();
      const opts = { cipher: createCipher(dek), segmentBytes };
      let current = FileStorage.open(dir, opts);
      return {
        storage: current,
        async reopen() {
          await current.close();
          current = FileStorage.open(dir, opts);
          return current;
        },
      };
    },
    { modelRuns: 15 },
  );
}

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

function filesHolding(dir: string, needle: Uint8Array): string[] {
  return filesUnder(dir).filter((p) => readFileSync(p).includes(Buffer.from(needle)));
}

function image(dir: string): Map<string, string> {
  return new Map(filesUnder(dir).map((p) => [p, readFileSync(p).toString('hex')]));
}

/** Entries whose data embeds `marker`, the way a secret's payload sits in a store action. */
function markedEntries(lo: number, hi: number, marker: Uint8Array): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i <= hi; i++) {
    const data = Buffer.concat([Buffer.from(`{"secret":${i},"data":"`), marker, Buffer.from('"}')]);
    out.push({ index: i, term: 1, type: 'normal', data: new Uint8Array(data) });
  }
  return out;
}

/** Writes entries 1..20 (a snapshot at 10 holding the marker too) into `dir`. */
async function writeMarked(dir: string, cipher: Cipher, marker: Uint8Array): Promise<void> {
  const s = FileStorage.open(dir, { cipher });
  await s.save(hs(1, 10), markedEntries(1, 10, marker));
  await s.createSnapshot(10, conf, Buffer.concat([Buffer.from('store@10:'), marker]), 2);
  await s.save(hs(1, 20), markedEntries(11, 20, marker));
  await s.close();
}

describe('no plaintext on disk', () => {
  it('control: with the identity cipher the marker is found (the search works)', async () => {
    const dir = tmp.next();
    const marker = nodeRandomBytes(24);
    await writeMarked(dir, identityCipher, marker);
    const holding = filesHolding(dir, marker);
    assert.ok(holding.some((p) => p.endsWith('.wal')));
    assert.ok(holding.some((p) => p.endsWith('.snap')));
  });

  it('with the DEK cipher no file holds the marker; reopening with the key gives it back', async () => {
    const dir = tmp.next();
    const marker = nodeRandomBytes(24);
    const dek = generateDek();
    await writeMarked(dir, createCipher(dek), marker);
    assert.deepEqual(filesHolding(dir, marker), []);
    assert.deepEqual(filesHolding(dir, Buffer.from(marker.toString('hex'))), []);

    const s = FileStorage.open(dir, { cipher: createCipher(dek) });
    assert.ok(Buffer.from(s.snapshot().data).includes(marker));
    const got = s.entries(s.firstIndex(), s.lastIndex() + 1, Number.POSITIVE_INFINITY);
    assert.equal(got.at(-1)!.index, 20);
    for (const e of got) assert.ok(Buffer.from(e.data).includes(marker), `entry ${e.index}`);
    await s.close();
  });

  it('the whole autolocked data dir (key file included) holds neither the marker nor the DEK', async () => {
    const dir = tmp.next();
    const raftDir = join(dir, 'raft');
    const marker = nodeRandomBytes(24);
    const unlockKey = generateUnlockKey();
    const keys = KeyManager.open(dir).initialize({ unlockKey });
    await writeMarked(raftDir, cipherForKeys(keys), marker);
    for (const needle of [
      marker,
      Buffer.from(keys.current),
      Buffer.from(Buffer.from(keys.current).toString('base64')),
    ]) {
      assert.deepEqual(filesHolding(dir, needle), []);
    }
    // Restart: locked until the unlock key is given, then everything reads back.
    const km = KeyManager.open(dir);
    assert.equal(km.status, 'locked');
    const s = FileStorage.open(raftDir, { cipher: cipherForKeys(km.unlock(unlockKey)) });
    assert.ok(Buffer.from(s.entries(20, 21, Number.POSITIVE_INFINITY)[0]!.data).includes(marker));
    await s.close();
  });
});

describe('the wrong key', () => {
  it('fails to open with a clear error naming the key, and changes no file', async () => {
    const dir = tmp.next();
    const dek = generateDek();
    await writeMarked(dir, createCipher(dek), nodeRandomBytes(24));
    const before = image(dir);
    const wrong = createCipher(generateDek());
    assert.throws(
      () => FileStorage.open(dir, { cipher: wrong }),
      (e: unknown) => {
        assert.ok(e instanceof CorruptionError);
        assert.match(
          e.message,
          new RegExp(
            `^wal: .*\\.wal offset 0: record payload cannot be opened \\(wrong key\\?\\): ` +
              `sealed data: sealed with key ${keyIdHex(keyId(dek))}, which this node does not hold`,
          ),
        );
        return true;
      },
    );
    assert.deepEqual(image(dir), before, 'a failed open must not truncate or remove anything');
    assert.throws(() => FileStorage.open(dir), CorruptionError, 'no cipher at all: refused too');
    assert.deepEqual(image(dir), before);
    const s = FileStorage.open(dir, { cipher: createCipher(dek) });
    assert.equal(s.lastIndex(), 20);
    await s.close();
  });
});

describe('tampering with the files', () => {
  it('a WAL record altered with its CRC fixed up is refused by the tag, never replayed', async () => {
    const dir = tmp.next();
    const dek = generateDek();
    await writeMarked(dir, createCipher(dek), nodeRandomBytes(24));
    const path = segmentPaths(dir)[0]!;
    const buf = readFileSync(path);
    const recs = scanRecords(buf).records;
    const victim = recs[Math.floor(recs.length / 2)]!; // a record in the middle
    const at = victim.offset + RECORD_HEADER_BYTES + victim.payload.byteLength - 20;
    buf[at]! ^= 0x01;
    const framed = buf.subarray(
      victim.offset + 8,
      victim.offset + RECORD_HEADER_BYTES + victim.payload.byteLength,
    );
    buf.writeUInt32BE(crc32(framed), victim.offset + 4);
    writeFileSync(path, buf);
    assert.throws(
      () => FileStorage.open(dir, { cipher: createCipher(dek) }),
      (e: unknown) => e instanceof CorruptionError && /authentication failed/.test(e.message),
    );
  });

  it('snapshot data altered with its CRC fixed up is refused (the snapshot counts as damaged)', async () => {
    const dir = tmp.next();
    const dek = generateDek();
    await writeMarked(dir, createCipher(dek), nodeRandomBytes(24));
    const snapDir = join(dir, 'snap');
    const name = readdirSync(snapDir).find((n) => n.endsWith('.snap'))!;
    const path = join(snapDir, name);
    const buf = readFileSync(path);
    buf[buf.byteLength - 10]! ^= 0x01; // inside the sealed data's tag
    buf.writeUInt32BE(crc32(buf.subarray(0, buf.byteLength - 4)), buf.byteLength - 4);
    writeFileSync(path, buf);
    assert.throws(
      () => FileStorage.open(dir, { cipher: createCipher(dek) }),
      (e: unknown) => e instanceof CorruptionError && /missing or damaged/.test(e.message),
    );
    assert.ok(readdirSync(snapDir).includes(`${name}.broken`));
  });
});

describe('DEK rotation in a data directory', () => {
  it('rotate, cut, snapshot twice: the old DEK leaves the disk, then the rotation finishes', async () => {
    const dir = tmp.next();
    const raftDir = join(dir, 'raft');
    const km = KeyManager.open(dir);
    const k0 = km.initialize();
    const cipher = cipherForKeys(k0);
    const oldId = keyIdHex(keyId(k0.current));
    const s = FileStorage.open(raftDir, { cipher });
    await s.save(hs(1, 10), markedEntries(1, 10, Buffer.from('m')));
    await s.createSnapshot(5, conf, new Uint8Array([5]), 0);

    // 1. A pending DEK, durable before use; the cipher seals with it; the WAL cuts.
    const k1 = km.rotateDek();
    cipher.setKeys(k1);
    s.cutSegment();
    const newId = keyIdHex(keyId(k1.pending!));
    await s.save(hs(1, 20), markedEntries(11, 20, Buffer.from('m')));
    let onDisk = sealingKeysOnDisk(raftDir);
    assert.deepEqual([...onDisk.keys()].sort(), [newId, oldId].sort());
    assert.equal(canFinishRotation(raftDir, k1), false);
    assert.equal(s.walSegments().length, 2, 'the cut started a new segment');

    // 2. A snapshot past the cut releases the old segment; the older snap file remains.
    await s.createSnapshot(15, conf, new Uint8Array([15]), 0);
    onDisk = sealingKeysOnDisk(raftDir);
    assert.deepEqual(onDisk.get(oldId), ['snap/0000000000000001-0000000000000005.snap']);
    assert.equal(canFinishRotation(raftDir, k1), false);

    // 3. A second snapshot pushes the last old-key snap file out (two are kept).
    await s.createSnapshot(20, conf, new Uint8Array([20]), 0);
    assert.deepEqual([...sealingKeysOnDisk(raftDir).keys()], [newId]);
    assert.equal(canFinishRotation(raftDir, k1), true);

    // 4. Finish: the old DEK is dropped; everything opens with the new one alone.
    const k2 = km.finishDekRotation();
    cipher.setKeys(k2);
    assert.deepEqual(cipher.openingKeyIds(), [newId]);
    await s.save(hs(1, 21), markedEntries(21, 21, Buffer.from('m')));
    await s.close();
    const r = FileStorage.open(raftDir, { cipher: createCipher(KeyManager.open(dir).keys().current) });
    assert.equal(r.lastIndex(), 21);
    assert.deepEqual([...r.snapshot().data], [20]);
    await r.close();
  });

  it('finishing too early would strand records: without the old DEK the directory does not open', async () => {
    const dir = tmp.next();
    const oldDek = generateDek();
    const newDek = generateDek();
    const cipher = createCipher(oldDek);
    const s = FileStorage.open(dir, { cipher });
    await s.save(hs(1, 5), markedEntries(1, 5, Buffer.from('m')));
    cipher.setKeys({ current: oldDek, pending: newDek });
    await s.save(hs(1, 8), markedEntries(6, 8, Buffer.from('m')));
    await s.close();
    assert.equal(canFinishRotation(dir, { current: oldDek, pending: newDek }), false);
    assert.throws(() => FileStorage.open(dir, { cipher: createCipher(newDek) }), /does not hold/);
    const r = FileStorage.open(dir, { cipher: createCipher(newDek, { alsoOpenWith: [oldDek] }) });
    assert.equal(r.lastIndex(), 8);
    await r.close();
  });
});
