import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LocalStore } from './local-store';
import { backupId } from './object-names';
import type { BackupRecord } from './types';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function record(bytes: Buffer, takenAt: string, extra: Partial<BackupRecord> = {}): BackupRecord {
  return {
    cluster: 'prod',
    member: { id: '8e9e05c52164694d', name: 'm1' },
    revision: 42,
    etcdVersion: '3.4.23',
    takenAt,
    encrypted: false,
    size: bytes.length,
    sha256: sha(bytes),
    snapshot: { size: bytes.length, sha256: sha(bytes), status: { hash: '372c7d5c', revision: 42, totalKey: 50, totalSize: bytes.length } },
    kv: { revision: 42, keys: 10, hashKv: 12345, compactRevision: 1, note: null },
    ...extra,
  };
}

const idOf = (r: BackupRecord) => backupId({ ...r, takenAt: new Date(r.takenAt) });

describe('LocalStore', () => {
  let dir: string;
  let store: LocalStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-local-store-'));
    store = new LocalStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('put, list newest first, open, record a drill, delete', async () => {
    const a = Buffer.from('first backup bytes');
    const b = Buffer.from('second backup bytes');
    const ra = record(a, '2026-03-10T10:00:00.000Z');
    const rb = record(b, '2026-03-10T11:00:00.000Z', { revision: 43 });
    const put = await store.put(idOf(ra), Readable.from([a]), ra);
    expect(put).toMatchObject({ id: 'prod-m1-8e9e05c52164694d-rev42-20260310T100000.000Z.db', store: `local:${dir}`, drill: null, verified: true, sha256: sha(a) });
    await store.put(idOf(rb), Readable.from([b]), rb);

    expect((await store.list('prod')).map((x) => x.revision)).toEqual([43, 42]);
    expect(await text(await store.open('prod', idOf(ra)))).toBe('first backup bytes');
    expect((await readdir(path.join(dir, 'prod'))).sort()).toEqual([idOf(ra), `${idOf(ra)}.json`, idOf(rb), `${idOf(rb)}.json`].sort());
    const sidecar = JSON.parse(await readFile(path.join(dir, 'prod', `${idOf(ra)}.json`), 'utf8'));
    expect(sidecar).toMatchObject({ format: 'ringside-backup/1', cluster: 'prod', revision: 42, store: `local:${dir}`, kv: { hashKv: 12345 } });

    const failed = await store.recordDrill('prod', idOf(rb), { at: '2026-03-10T12:00:00.000Z', result: 'failed', reason: 'revision differs', durationMs: 5 });
    expect(failed).toMatchObject({ verified: false, drill: { result: 'failed', reason: 'revision differs' } });

    await store.delete('prod', idOf(ra));
    expect((await store.list('prod')).map((x) => x.id)).toEqual([idOf(rb)]);
    await expect(store.stat('prod', idOf(ra))).rejects.toThrow(`backup: no backup "${idOf(ra)}" of prod in local:${dir}`);
  });

  test('bytes that are not the backup`s are refused and leave nothing behind', async () => {
    const r = record(Buffer.from('the real bytes'), '2026-03-10T10:00:00.000Z');
    await expect(store.put(idOf(r), Readable.from([Buffer.from('other bytes!!!')]), r)).rejects.toThrow(/writing .* failed: SHA-256 [0-9a-f]{64} arrived, the backup has/);
    await expect(store.put(idOf(r), Readable.from([Buffer.from('short')]), r)).rejects.toThrow('5 bytes arrived, the backup has 14');
    expect(await readdir(path.join(dir, 'prod'))).toEqual([]);
  });

  test('a record its sidecar could not hold is refused before it would be written and never list', async () => {
    const bytes = Buffer.from('x');
    const r = record(bytes, '2026-03-10T10:00:00.000Z', { etcdVersion: 'v3.4' });
    await expect(store.put(idOf(r), Readable.from([bytes]), r)).rejects.toThrow('not a valid backup record: etcdVersion:');
    expect(existsSync(path.join(dir, 'prod'))).toBe(false);
  });

  test('an existing ID is a conflict, never overwritten', async () => {
    const bytes = Buffer.from('x');
    const r = record(bytes, '2026-03-10T10:00:00.000Z');
    await store.put(idOf(r), Readable.from([bytes]), r);
    await expect(store.put(idOf(r), Readable.from([bytes]), r)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  test('backups written by lib/ops/snapshots.ts list too, with what they recorded', async () => {
    await mkdir(path.join(dir, 'prod'));
    const name = 'prod-m2-91bc3c398fb3c146-rev7-20260101T000000Z.db.enc';
    await writeFile(path.join(dir, 'prod', name), 'ciphertext');
    const legacy = {
      cluster: 'prod',
      member: { id: '91bc3c398fb3c146', name: 'm2' },
      revision: 7,
      takenAt: '2026-01-01T00:00:00.000Z',
      size: 10,
      sha256: 'a'.repeat(64),
      encrypted: true,
      status: { hash: 'fe01cf57', revision: 7, totalKey: 9, totalSize: 20480 },
    };
    await writeFile(path.join(dir, 'prod', `${name}.json`), JSON.stringify(legacy));
    expect(await store.list('prod')).toEqual([
      {
        id: name,
        store: `local:${dir}`,
        cluster: 'prod',
        member: legacy.member,
        revision: 7,
        etcdVersion: null,
        takenAt: legacy.takenAt,
        encrypted: true,
        size: 10,
        sha256: null,
        snapshot: { size: null, sha256: 'a'.repeat(64), status: legacy.status },
        kv: null,
        drill: null,
        verified: true,
      },
    ]);
    // A drill result is kept in the old sidecar's own shape.
    await store.recordDrill('prod', name, { at: '2026-03-10T12:00:00.000Z', result: 'passed', reason: 'ok', durationMs: 5 });
    const after = JSON.parse(await readFile(path.join(dir, 'prod', `${name}.json`), 'utf8'));
    expect(after).toEqual({ ...legacy, drill: { at: '2026-03-10T12:00:00.000Z', result: 'passed', reason: 'ok', durationMs: 5 } });
  });

  test('what is not a whole backup of this cluster does not list', async () => {
    const folder = path.join(dir, 'prod');
    await mkdir(folder);
    const r = record(Buffer.from('x'), '2026-03-10T10:00:00.000Z');
    const sidecar = JSON.stringify({ format: 'ringside-backup/1', ...r, store: 'x', drill: null });
    // A sidecar without its data, one for another cluster, a malformed one, a stray file.
    await writeFile(path.join(folder, 'prod-m1-1-rev1-20260101T000000Z.db.json'), sidecar);
    await writeFile(path.join(folder, 'dev-m1-1-rev1-20260101T000000Z.db'), 'x');
    await writeFile(path.join(folder, 'dev-m1-1-rev1-20260101T000000Z.db.json'), sidecar.replace('"cluster": "prod"', '"cluster": "dev"').replace('"cluster":"prod"', '"cluster":"dev"'));
    await writeFile(path.join(folder, 'bad.db'), 'x');
    await writeFile(path.join(folder, 'bad.db.json'), '{ "format": "ringside-backup/1", "revision": "many" }');
    await writeFile(path.join(folder, 'notes.txt.json'), sidecar);
    expect(await store.list('prod')).toEqual([]);
    expect(await store.list('nobody')).toEqual([]);
  });

  test('IDs and cluster names are checked before any path is built', async () => {
    await expect(store.stat('prod', '../../etc/passwd.db')).rejects.toThrow('backup: expected a backup ID from the listing');
    await expect(store.list('../prod')).rejects.toThrow('cluster: expected a configured cluster name');
    expect(existsSync(path.join(dir, '..', 'prod'))).toBe(false);
  });
});
