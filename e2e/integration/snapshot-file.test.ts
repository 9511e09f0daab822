import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { boltStatus, boltStatusOfFile, type SnapshotStatus } from '@/lib/snapshot/bolt-status';
import { createEncryptor, encryptedReadAt, isEncryptedSnapshot } from '@/lib/snapshot/encryption';
import { verifySnapshotFile } from '@/lib/snapshot/trailer';
import { EtcdRing } from '../harness/ring';

const ROOT = path.resolve(__dirname, '../..');
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';
const KEYS = 4000;
const VALUE_BYTES = 900; // KEYS * VALUE_BYTES: a few MB of live data
const TXN_OPS = 100; // below etcd's --max-txn-ops (128)

/** `etcdctl txn` with the ops on stdin: one proposal for many puts, instead of one etcdctl run per key. */
function txn(endpoint: string, ops: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ETCDCTL, [`--endpoints=${endpoint}`, 'txn'], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`etcdctl txn exited ${code}: ${err.trim()}`))));
    child.stdin.end(`\n${ops.join('\n')}\n\n\n`); // no compares, blank line; success ops, blank line; no failure ops, blank line
  });
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Runs scripts/decrypt-snapshot.ts the way an operator would. */
function decryptScript(args: string[], key: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      [path.join(ROOT, 'scripts/decrypt-snapshot.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, RINGSIDE_BACKUP_KEY: key }, timeout: 60_000 },
      (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('snapshot files from a real etcd 3.4 member', () => {
  let ring: EtcdRing;
  let dir: string;
  let snap: string;
  let etcdctlStatus: SnapshotStatus;
  const key = randomBytes(32);
  const keyText = key.toString('base64');

  const statusOf = async (file: string): Promise<SnapshotStatus> => {
    const r = await ring.etcdctl(['snapshot', 'status', file, '-w', 'json']);
    if (r.code !== 0) throw new Error(`etcdctl snapshot status ${file} failed: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as SnapshotStatus;
  };

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 1, name: 'snapfile' });
    dir = ring.baseDir;
    const [endpoint] = ring.endpoints();
    // Thousands of keys in a few hundred revisions, rewrites, deletes and a physical
    // compaction: branch pages, freed pages, tombstones, like a ring that has lived a while.
    const value = (i: number) => randomBytes(VALUE_BYTES * 0.75).toString('base64') + i;
    for (let round = 0; round < 2; round++) {
      const batches: string[][] = [];
      for (let i = 0; i < KEYS; i += TXN_OPS) {
        batches.push(Array.from({ length: Math.min(TXN_OPS, KEYS - i) }, (_, j) => `put /fill/${String(i + j).padStart(6, '0')} ${value(i + j)}`));
      }
      for (let i = 0; i < batches.length; i += 4) await Promise.all(batches.slice(i, i + 4).map((ops) => txn(endpoint, ops)));
    }
    for (const prefix of ['/fill/0001', '/fill/0029']) {
      const del = await ring.etcdctl(['del', '--prefix', prefix]);
      expect(del.code, del.stderr).toBe(0);
    }
    const rev = JSON.parse((await ring.etcdctl(['get', '/fill/000000', '-w', 'json'])).stdout).header.revision as number;
    expect((await ring.etcdctl(['compaction', String(rev - 10), '--physical'])).code).toBe(0);
    for (let i = 0; i < 5; i++) expect((await ring.etcdctl(['put', `/after/${i}`, `v${i}`])).code).toBe(0);

    snap = path.join(dir, 'snapshot.db');
    const saved = await ring.etcdctl(['snapshot', 'save', snap]);
    expect(saved.code, saved.stderr).toBe(0);
    etcdctlStatus = await statusOf(snap);
  });
  afterAll(async () => {
    await ring?.close();
  });

  test('boltStatusOfFile equals `etcdctl snapshot status -w json` exactly', async () => {
    expect(statSync(snap).size).toBeGreaterThan(3 * 1024 * 1024);
    expect(etcdctlStatus.totalKey).toBeGreaterThan(KEYS);
    expect(await boltStatusOfFile(snap)).toEqual(etcdctlStatus);
  });

  test('the SHA-256 trailer of a saved snapshot verifies', async () => {
    await expect(verifySnapshotFile(snap)).resolves.toEqual({ size: statSync(snap).size, sha256: sha256File(snap), trailerOk: true });
  });

  test('an encrypted copy gives the same status through encryptedReadAt, with no plaintext on disk', async () => {
    const enc = path.join(dir, 'snapshot.db.enc');
    await pipeline(createReadStream(snap), createEncryptor(key), createWriteStream(enc));
    expect(await isEncryptedSnapshot(enc)).toBe(true);
    expect(await isEncryptedSnapshot(snap)).toBe(false);
    expect(readFileSync(enc).includes(readFileSync(snap).subarray(8192, 8192 + 64))).toBe(false);
    const reader = await encryptedReadAt(enc, key);
    try {
      expect(reader.size).toBe(statSync(snap).size);
      expect(await boltStatus(reader.readAt)).toEqual(etcdctlStatus);
    } finally {
      await reader.close();
    }
  });

  test('scripts/decrypt-snapshot.ts restores the same bytes, which etcdctl accepts', async () => {
    const enc = path.join(dir, 'for-script.db.enc');
    await pipeline(createReadStream(snap), createEncryptor(key), createWriteStream(enc));
    const out = path.join(dir, 'restored.db');

    const run = await decryptScript([enc, out], keyText);
    expect(run.code, run.stderr).toBe(0);
    expect(sha256File(out)).toBe(sha256File(snap));
    expect(existsSync(`${out}.part`)).toBe(false);
    expect(await statusOf(out)).toEqual(etcdctlStatus);
    expect(run.stdout + run.stderr).not.toContain(keyText);

    const again = await decryptScript([enc, out], keyText);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n').pop()).toBe(`decrypt-snapshot: ${out} already exists; refusing to overwrite it`);

    const wrong = await decryptScript([enc, path.join(dir, 'wrong.db')], key.toString('hex').replace(/^./, (c) => (c === '0' ? '1' : '0')));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('decrypt-snapshot: cannot decrypt: wrong key or the file was altered (chunk 0)');
    expect(existsSync(path.join(dir, 'wrong.db'))).toBe(false);
    expect(existsSync(path.join(dir, 'wrong.db.part'))).toBe(false);
  });

  test('a flipped byte in the middle fails the verifier, and the decrypt script leaves nothing behind', async () => {
    const bad = path.join(dir, 'flipped.db');
    const bytes = readFileSync(snap);
    bytes[Math.floor(bytes.length / 2)] ^= 0x20;
    writeFileSync(bad, bytes);
    await expect(verifySnapshotFile(bad)).rejects.toThrow(
      'snapshot integrity check failed: SHA-256 trailer does not match the data (the snapshot is corrupt or truncated)',
    );

    // Encrypted intact (the tags all verify), the plaintext inside is still a bad snapshot.
    const enc = path.join(dir, 'flipped.db.enc');
    await pipeline(createReadStream(bad), createEncryptor(key), createWriteStream(enc));
    const out = path.join(dir, 'flipped-restored.db');
    const run = await decryptScript([enc, out], keyText);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('decrypt-snapshot: snapshot integrity check failed: SHA-256 trailer does not match the data');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
  });
});
