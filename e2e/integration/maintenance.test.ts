import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken } from '@/lib/auth/password';
import type { StoredSnapshot } from '@/lib/ops/types';
import type { RingState } from '@/lib/ring/types';
import { EtcdRing } from '../harness/ring';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const TOKEN = 'maint-token-0123456789abcdef0123456789ab';
const KEY = Buffer.alloc(32, 0x11).toString('base64');
const root = path.resolve(__dirname, '..', '..');

describe('maintenance on a real ring with data', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let op: OpsClient;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-maint-'));
    ring = await EtcdRing.start({ size: 3 });
    // ~20 MB written, half deleted and compacted: something for defragmentation to give back.
    const c = new Etcd3({ hosts: ring.endpoints() });
    const value = 'x'.repeat(10_000);
    for (let i = 0; i < 2000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => c.put(`/fill/${i + j}`).value(value)));
    const { header } = await c.delete().prefix('/fill/1').exec();
    await c.kv.compact({ revision: header.revision, physical: true });
    c.close();
    server = await RingsideServer.start({
      clusters: [{ name: 'c', endpoints: [ring.members[0].clientURL], metrics: { enabled: false } }],
      dataDir: path.join(dir, 'data'),
      env: { RINGSIDE_BACKUP_KEY: KEY },
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, tokenHash: "${hashToken(TOKEN)}" }`, 'backups:', `  dir: ${path.join(dir, 'backups')}`, '  encrypt: true'].join('\n'),
    });
    op = new OpsClient(server.url, TOKEN);
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('defragmenting every member keeps the ring writable: no write fails for longer than one election', async () => {
    const client = new Etcd3({ hosts: ring.endpoints(), faultHandling: { host: () => noop, global: noop } });
    const results: { at: number; ok: boolean }[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const at = Date.now();
        void client
          .put(`/during-defrag/${i % 100}`)
          .value(String(i))
          .options({ deadline: Date.now() + 2000 })
          .exec()
          .then(() => results.push({ at, ok: true }), () => results.push({ at, ok: false }));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const before = (await server.json<RingState>('/api/clusters/c/ring')).body;
    const result = await op.run('c', '/defragment');
    stop = true;
    await writer;
    await new Promise((r) => setTimeout(r, 2500));
    client.close();
    expect(result.state, JSON.stringify(result)).toBe('succeeded');

    // The longest stretch in which every write that started failed.
    results.sort((a, b) => a.at - b.at);
    let longest = 0;
    let failingSince: number | null = null;
    for (const r of results) {
      if (!r.ok) failingSince ??= r.at;
      else if (failingSince !== null) {
        longest = Math.max(longest, r.at - failingSince);
        failingSince = null;
      }
    }
    console.log(`[defrag] ${results.length} writes, ${results.filter((r) => !r.ok).length} failed, longest failing stretch ${longest} ms; steps: ${result.steps.map((s) => `${s.name} (${s.detail ?? ''})`).join('; ')}`);
    expect(results.length).toBeGreaterThan(10);
    expect(longest).toBeLessThanOrEqual(1000); // etcd's default election timeout

    const after = (await server.json<RingState>('/api/clusters/c/ring')).body;
    for (const m of after.members) {
      const was = before.members.find((b) => b.id === m.id)!;
      expect(m.dbSize!, m.name).toBeLessThan(was.dbSize!);
    }
    const audit = (await op.get<{ entries: { action: string; result: string; details?: { sizes?: Record<string, unknown> } }[] }>('/api/clusters/c/audit')).body.entries;
    expect(Object.keys(audit.find((e) => e.action === 'defragment' && e.result === 'ok')!.details!.sizes!)).toHaveLength(3);
  });

  test('an encrypted backup decrypts to the same bytes, passes etcdctl snapshot status, and its restore commands work', async () => {
    const result = await op.run('c', '/backups');
    expect(result.state, JSON.stringify(result)).toBe('succeeded');
    const [snap] = (await op.get<{ snapshots: StoredSnapshot[] }>('/api/clusters/c/backups')).body.snapshots;
    expect(snap.encrypted).toBe(true);
    expect(snap.file).toMatch(/\.db\.enc$/);
    // Nothing of the plain db is at rest: the file starts with the format's magic.
    expect(readFileSync(snap.file).subarray(0, 9).toString()).toBe('RINGSIDE-');

    const out = path.join(dir, 'plain.db');
    const dec = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['--conditions=react-server', path.join(root, 'scripts/decrypt-snapshot.ts'), snap.file, out], { env: { ...process.env, RINGSIDE_BACKUP_KEY: KEY }, encoding: 'utf8' });
    expect(dec.status, dec.stderr).toBe(0);
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(snap.sha256);
    const status = JSON.parse(execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', out, '-w', 'json'], { encoding: 'utf8' }));
    expect(snap.status).toEqual({ hash: status.hash.toString(16), revision: status.revision, totalKey: status.totalKey, totalSize: status.totalSize });

    // The restore plan, run as given (data dirs moved into the test's directory).
    expect(snap.restore.commands).toHaveLength(3);
    for (const c of snap.restore.commands) {
      const command = c.command.replace(/\\\n\s*/g, ' ').replace(snap.file.replace(/\.enc$/, ''), out).replace(/--data-dir=\/var\/lib\//, `--data-dir=${dir}/`);
      const r = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
      expect(r.status, `${command}\n${r.stderr}`).toBe(0);
    }
  });
});
