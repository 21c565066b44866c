/**
 * Join tokens have Docker's shape, carry the root CA's digest (so a CA in the middle is
 * caught before anything is trusted), and admit nodes only while current.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { JoinTokenError } from './errors.ts';
import { createRootCa, rootDigest } from './root.ts';
import { sharedRoot, virtualClock } from './testkit.ts';
import {
  checkRootAgainstToken,
  createJoinTokens,
  generateJoinToken,
  parseJoinToken,
  roleForToken,
  rotateJoinTokens,
  tokenMatchesRoot,
} from './token.ts';

const zeros = (n: number) => new Uint8Array(n);
const ones = (n: number) => new Uint8Array(n).fill(0xff);

describe('join tokens', () => {
  it("have Docker's format: SWMTKN-1-<50 base36 digest>-<25 base36 secret>", async () => {
    const root = await sharedRoot();
    const token = generateJoinToken(root.certPem);
    assert.match(token, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
    assert.equal(token.length, 85);
    // The digest is SHA-256 of the root's PEM bytes, in base 36, zero-padded.
    const digest = createHash('sha256').update(root.certPem).digest('hex');
    assert.equal(token.split('-')[2], BigInt(`0x${digest}`).toString(36).padStart(50, '0'));
    // The secret is 16 random bytes in base 36, zero-padded to 25.
    assert.equal(generateJoinToken(root.certPem, zeros).split('-')[3], '0'.repeat(25));
    assert.equal(generateJoinToken(root.certPem, ones).split('-')[3], (2n ** 128n - 1n).toString(36));
    assert.equal((2n ** 128n - 1n).toString(36).length, 25);
  });

  it('parse back to version, root digest and secret', async () => {
    const root = await sharedRoot();
    const token = generateJoinToken(root.certPem);
    const p = parseJoinToken(token);
    assert.deepEqual(p, {
      version: 1,
      digest: rootDigest(root.certPem),
      secret: token.slice(-25),
      fips: false,
    });
    // Upper case parses like Go's big.Int base 36.
    assert.equal(parseJoinToken(token.toUpperCase()).digest, p.digest);
    // Version 2 (FIPS) tokens parse too.
    const v2 = token.replace('SWMTKN-1-', 'SWMTKN-2-1-');
    assert.deepEqual(parseJoinToken(v2), { ...p, version: 2, fips: true });
  });

  it('refuse anything else with "invalid join token"', async () => {
    const root = await sharedRoot();
    const token = generateJoinToken(root.certPem);
    const [, , d, s] = token.split('-') as [string, string, string, string];
    for (const bad of [
      '',
      'SWMTKN',
      token.replace('SWMTKN', 'SWMTKX'),
      token.replace('SWMTKN-1', 'SWMTKN-3'),
      `SWMTKN-1-${d}`,
      `SWMTKN-1-${d.slice(1)}-${s}`,
      `SWMTKN-1-${d}-${s}x`,
      `SWMTKN-1-${d}-${s}-x`,
      `SWMTKN-1-${d.slice(0, -1)}!-${s}`,
      `SWMTKN-1-${'z'.repeat(50)}-${s}`, // larger than 2^256
      `SWMTKN-2-2-${d}-${s}`,
    ]) {
      assert.throws(
        () => parseJoinToken(bad),
        (e: unknown) => {
          return (
            e instanceof JoinTokenError && e.message === 'invalid join token' && e.code === 'invalid_argument'
          );
        },
        bad,
      );
    }
  });

  it('catch a CA in the middle: a root that is not the token’s is refused', async () => {
    const root = await sharedRoot();
    const fake = await createRootCa({ clock: virtualClock().clock });
    const token = generateJoinToken(root.certPem);
    assert.equal(tokenMatchesRoot(token, root.certPem), true);
    assert.deepEqual(checkRootAgainstToken(token, root.certPem), { ok: true });
    assert.equal(tokenMatchesRoot(token, fake.certPem), false);
    assert.deepEqual(checkRootAgainstToken(token, fake.certPem), {
      ok: false,
      reason: 'fingerprint_mismatch',
      message: `remote CA does not match fingerprint. Expected: ${rootDigest(root.certPem)}`,
    });
    // Even the same certificate re-encoded differently is not "the root that was hashed".
    assert.equal(tokenMatchesRoot(token, root.certPem.replace(/\n$/, '')), false);
    assert.equal(tokenMatchesRoot('garbage', root.certPem), false);
  });

  it('admit with the role of the current token; rotation retires the old one', async () => {
    const root = await sharedRoot();
    const t1 = createJoinTokens(root.certPem);
    assert.notEqual(t1.worker, t1.manager);
    assert.deepEqual(roleForToken(t1.worker, t1), { ok: true, role: 'swarm-worker' });
    assert.deepEqual(roleForToken(t1.manager, t1), { ok: true, role: 'swarm-manager' });
    const t2 = rotateJoinTokens(t1, { worker: true }, root.certPem);
    assert.equal(t2.manager, t1.manager);
    assert.notEqual(t2.worker, t1.worker);
    const refused = { ok: false, message: 'A valid join token is necessary to join this cluster' };
    assert.deepEqual(roleForToken(t1.worker, t2), refused);
    assert.deepEqual(roleForToken(t2.worker, t2), { ok: true, role: 'swarm-worker' });
    const t3 = rotateJoinTokens(t2, { manager: true }, root.certPem);
    assert.deepEqual(roleForToken(t2.manager, t3), refused);
    assert.deepEqual(roleForToken(t3.manager, t3), { ok: true, role: 'swarm-manager' });
    assert.deepEqual(roleForToken('', t3), refused);
    assert.deepEqual(roleForToken(`${t3.manager}x`, t3), refused);
  });
});
