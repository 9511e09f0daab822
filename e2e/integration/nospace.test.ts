import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken } from '@/lib/auth/password';
import type { RingState } from '@/lib/ring/types';
import { EtcdRing } from '../harness/ring';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const TOKEN = 'nospace-token-0123456789abcdef012345678';

describe('recovering from NOSPACE', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-nospace-'));
    ring = await EtcdRing.start({ size: 3, extraFlags: ['--quota-backend-bytes=4194304'] });
    server = await RingsideServer.start({
      clusters: [{ name: 'c', endpoints: [ring.members[0].clientURL], metrics: { enabled: false } }],
      dataDir: path.join(dir, 'data'),
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, tokenHash: "${hashToken(TOKEN)}" }`].join('\n'),
    });
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('compaction, rolling defragment, then disarm: the ring takes writes again', async () => {
    // One key rewritten until the history fills the 4 MB quota.
    const value = 'v'.repeat(100_000);
    let full = false;
    for (let i = 0; i < 200 && !full; i++) {
      const r = await ring.etcdctl(['put', '/big', `${i}${value}`]);
      full = r.code !== 0 && /database space exceeded/.test(r.stderr);
    }
    expect(full).toBe(true);
    await ring.waitFor(async () => (await server.json<RingState>('/api/clusters/c/ring')).body.alarms.some((a) => a.alarm === 'NOSPACE'), { what: 'NOSPACE in the ring state' });

    const op = new OpsClient(server.url, TOKEN);
    expect((await op.post('/api/clusters/c/alarms/disarm', { alarm: 'NOSPACE', confirm: 'wrong' })).status).toBe(400);
    const result = await op.run('c', '/alarms/disarm', { alarm: 'NOSPACE', confirm: 'c' });
    expect(result.state, JSON.stringify(result)).toBe('succeeded');
    const names = result.steps.map((s) => s.name);
    expect(names[0]).toMatch(/Compact/);
    expect(names.filter((n) => n.startsWith('Defragment'))).toHaveLength(3);
    expect(names.at(-2)).toBe('Disarm NOSPACE');
    expect((await server.json<RingState>('/api/clusters/c/ring')).body.alarms).toEqual([]);
    expect((await ring.etcdctl(['put', '/after', 'ok'])).code).toBe(0);
  });
});
