import { describe, expect, test } from 'vitest';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, listEntry, okProbe, poll } from '../ring/fixtures';
import type { HashCheck } from '../ring/hashkv';
import { fetchCommands, KUBERNETES_BUMP, restoreCommand, restoreToolFor } from './restore-commands';
import { restoreToken, restoreView, verifyRestore, type RestoreChoice } from './restore-plan';

const ctx = { bootId: 'b1', pollIntervalMs: 1000 };
const L = ids.m1;
const NOW = Date.UTC(2026, 10, 22, 4, 0, 0);

describe('which tool restores which etcd (one function; issue 16 extends it)', () => {
  test.each([
    ['3.4.23', false, 'etcdctl', 'ETCDCTL_API=3 etcdctl snapshot restore', null],
    ['3.4.23', true, 'etcdctl', 'ETCDCTL_API=3 etcdctl snapshot restore', null],
    ['3.5.9', true, 'etcdutl', 'etcdutl snapshot restore', null],
    ['3.5.10', true, 'etcdutl', 'etcdutl snapshot restore', KUBERNETES_BUMP],
    ['3.5.21', false, 'etcdutl', 'etcdutl snapshot restore', null],
    ['3.6.4', true, 'etcdutl', 'etcdutl snapshot restore', KUBERNETES_BUMP],
    [null, false, 'etcdctl', 'ETCDCTL_API=3 etcdctl snapshot restore', null],
  ] as const)('etcd %s, Kubernetes %s: %s', (version, kubernetes, kind, restore, bump) => {
    const t = restoreToolFor(version, { kubernetes });
    expect(t).toMatchObject({ kind, restore, bumpRevision: bump });
  });

  test('what a version lacks is said: no --bump-revision before 3.5.10 on Kubernetes, an unknown version', () => {
    expect(restoreToolFor('3.4.23', { kubernetes: true }).notes).toEqual([expect.stringMatching(/^etcd 3\.4\.23 has no --bump-revision \(it arrived in 3\.5\.10\): .*restart every kube-apiserver/)]);
    expect(restoreToolFor('3.4.23', { kubernetes: false }).notes).toEqual([]);
    expect(restoreToolFor(null, { kubernetes: false }).notes[0]).toMatch(/^The etcd version is not known/);
  });

  test('the restore command: the tool, the snapshot, the member, the new cluster and token; bump flags on Kubernetes 3.5.10+', () => {
    const member = { id: ids.m2, name: 'm2', peerURLs: ['https://10.0.0.2:2380'], clientURLs: ['https://10.0.0.2:2379'] };
    const base = { snapshot: 'prod.db', member, initialCluster: 'm1=https://10.0.0.1:2380,m2=https://10.0.0.2:2380', token: 'prod-restore-0a1b2c3d' };
    expect(restoreCommand({ ...base, tool: restoreToolFor('3.4.23', { kubernetes: true }) })).toBe(
      [
        'ETCDCTL_API=3 etcdctl snapshot restore prod.db \\',
        '  --name=m2 \\',
        '  --initial-cluster=m1=https://10.0.0.1:2380,m2=https://10.0.0.2:2380 \\',
        '  --initial-cluster-token=prod-restore-0a1b2c3d \\',
        '  --initial-advertise-peer-urls=https://10.0.0.2:2380 \\',
        '  --data-dir=/var/lib/etcd-restored-m2',
      ].join('\n'),
    );
    expect(restoreCommand({ ...base, tool: restoreToolFor('3.5.16', { kubernetes: true }) })).toBe(
      [
        'etcdutl snapshot restore prod.db \\',
        '  --name=m2 \\',
        '  --initial-cluster=m1=https://10.0.0.1:2380,m2=https://10.0.0.2:2380 \\',
        '  --initial-cluster-token=prod-restore-0a1b2c3d \\',
        '  --initial-advertise-peer-urls=https://10.0.0.2:2380 \\',
        '  --data-dir=/var/lib/etcd-restored-m2 \\',
        '  --bump-revision=1000000000 \\',
        '  --mark-compacted',
      ].join('\n'),
    );
  });

  test('fetching: from S3 with its endpoint, decrypted, checked against the recorded SHA-256 and by snapshot status', () => {
    const f = fetchCommands({
      location: { kind: 's3', bucket: 'etcd-backups', key: 'ringside/prod/prod-m1-1-rev9-20261122T030000.000Z.db.enc', endpoint: 'http://minio:9000' },
      id: 'prod-m1-1-rev9-20261122T030000.000Z.db.enc',
      encrypted: true,
      sha256: 'a'.repeat(64),
      tool: restoreToolFor('3.4.23', { kubernetes: false }),
    });
    expect(f.snapshot).toBe('prod-m1-1-rev9-20261122T030000.000Z.db');
    expect(f.commands).toEqual([
      'aws s3 cp s3://etcd-backups/ringside/prod/prod-m1-1-rev9-20261122T030000.000Z.db.enc prod-m1-1-rev9-20261122T030000.000Z.db.enc --endpoint-url http://minio:9000',
      'RINGSIDE_BACKUP_KEY=... npm run decrypt-snapshot -- prod-m1-1-rev9-20261122T030000.000Z.db.enc prod-m1-1-rev9-20261122T030000.000Z.db',
      `echo '${'a'.repeat(64)}  prod-m1-1-rev9-20261122T030000.000Z.db' | sha256sum -c -`,
      'ETCDCTL_API=3 etcdctl snapshot status prod-m1-1-rev9-20261122T030000.000Z.db -w table',
    ]);
  });
});

const choice = (extra: Partial<RestoreChoice> = {}): RestoreChoice => ({
  id: 'demo-m2-91bc3c398fb3c146-rev40-20261122T030000.000Z.db',
  storeKey: 'local-1',
  store: 'local:/var/backups/ringside',
  takenAt: '2026-11-22T03:00:00.000Z',
  revision: 40,
  keys: 12,
  etcdVersion: '3.4.23',
  encrypted: false,
  verified: true,
  sha256: 'b'.repeat(64),
  drill: { at: '2026-11-22T03:10:00.000Z', result: 'passed', reason: 'restored', durationMs: 900 },
  hashKv: 123,
  ...extra,
});

describe('the disaster restore wizard', () => {
  const lost = deriveRing(poll(1, [okProbe('m1', '0', { revision: 45 }), downProbe('m2'), downProbe('m3')]), null, ctx);
  const view = (over: Partial<Parameters<typeof restoreView>[0]> = {}) =>
    restoreView({
      cluster: 'demo',
      ring: lost,
      hash: null,
      backups: [choice()],
      chosen: choice(),
      location: { kind: 'local', file: '/var/backups/ringside/demo/demo-m2-91bc3c398fb3c146-rev40-20261122T030000.000Z.db' },
      kubernetes: false,
      tls: false,
      canLaunch: true,
      hasKey: false,
      lastRestore: null,
      now: NOW,
      ...over,
    });

  test('preflight: who answers, what is lost since the backup, the drill; every voter restored on its URLs', () => {
    const v = view();
    expect(v.lost).toBe('5 revisions written since the backup (revision 40, 60 min ago; the ring is at 45) are lost.');
    expect(v.checks.map((c) => [c.key, c.ok, c.severity])).toEqual([
      ['quorum', true, 'warn'],
      ['answering', true, 'warn'],
      ['members', true, 'block'],
      ['drill', true, 'block'],
    ]);
    expect(v.checks[0].message).toMatch(/^The ring has lost quorum \(0 of 3 voters healthy, 2 needed\)/);
    expect(v.checks[2].message).toBe('3 voters to restore: m1, m2, m3, on the same URLs.');
    expect(v.checks[3].message).toBe('Proven restorable at 22 Nov, 03:10:00 UTC (restore drill passed).');
    expect(v.members.map((m) => [m.name, m.reachable])).toEqual([['m1', true], ['m2', false], ['m3', false]]);
  });

  test('plan: per member the restore and the start, with one new token; the fetch is the local file', () => {
    const p = view().plan!;
    expect(p.token).toBe(restoreToken('demo', choice().id, lost.clusterId));
    expect(p.token).toMatch(/^demo-restore-[0-9a-f]{8}$/);
    expect(p.tool).toEqual({ kind: 'etcdctl', bumpRevision: null, notes: [] });
    expect(p.initialCluster).toBe('m1=http://127.0.0.1:2180,m2=http://127.0.0.1:2280,m3=http://127.0.0.1:2380');
    expect(p.fetch).toEqual([`echo '${'b'.repeat(64)}  /var/backups/ringside/demo/${choice().id}' | sha256sum -c -`, `ETCDCTL_API=3 etcdctl snapshot status /var/backups/ringside/demo/${choice().id} -w table`]);
    expect(p.members.map((m) => m.name)).toEqual(['m1', 'm2', 'm3']);
    expect(p.members[1].restore).toContain(`--initial-cluster-token=${p.token}`);
    expect(p.members[1].start).toBe(
      [
        'etcd \\',
        '  --name=m2 \\',
        '  --data-dir=/var/lib/etcd-restored-m2 \\',
        '  --listen-client-urls=http://127.0.0.1:2279 \\',
        '  --advertise-client-urls=http://127.0.0.1:2279 \\',
        '  --listen-peer-urls=http://127.0.0.1:2280 \\',
        '  --initial-advertise-peer-urls=http://127.0.0.1:2280 \\',
        '  --initial-cluster=m1=http://127.0.0.1:2180,m2=http://127.0.0.1:2280,m3=http://127.0.0.1:2380 \\',
        `  --initial-cluster-token=${p.token}`,
      ].join('\n'),
    );
  });

  test('what blocks: a backup whose drill failed, one never verified, an encrypted one without the key', () => {
    const blocks = (c: RestoreChoice, hasKey = false) => view({ chosen: c, hasKey }).checks.filter((k) => !k.ok && k.severity === 'block').map((k) => k.key);
    expect(blocks(choice({ drill: { at: '2026-11-22T03:10:00.000Z', result: 'failed', reason: 'SHA-256 differs', durationMs: 5 } }))).toEqual(['drill']);
    expect(blocks(choice({ verified: false }))).toEqual(['verified']);
    expect(blocks(choice({ encrypted: true }))).toEqual(['key']);
    expect(blocks(choice({ encrypted: true }), true)).toEqual([]);
    expect(view({ chosen: choice({ drill: null }) }).checks.find((k) => k.key === 'drill')).toMatchObject({ ok: true, severity: 'warn', message: expect.stringMatching(/^Never drilled/) });
  });

  test('a ring with quorum: allowed (rolling data back), with a note saying what it costs', () => {
    const healthy = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)]), null, ctx);
    expect(view({ ring: healthy }).checks[0]).toMatchObject({ ok: true, severity: 'warn', message: expect.stringMatching(/^The ring has quorum .*: a restore rolls every member back to the backup\. Do it only to roll back data/) });
  });

  test('Kubernetes on 3.4: the API servers are stopped first, and the missing bump is said', () => {
    const v = view({ kubernetes: true });
    expect(v.notes[0]).toMatch(/^This etcd backs Kubernetes: stop every kube-apiserver/);
    expect(v.plan!.tool.notes[0]).toMatch(/has no --bump-revision/);
  });
});

describe('verifying the restored ring', () => {
  const NEW = '7b1e5a3c9d2f4e60';
  const restored = { m1: 'a1b2c3d4e5f60718', m2: 'b2c3d4e5f6071829', m3: 'c3d4e5f60718293a' };
  const list = (['m1', 'm2', 'm3'] as const).map((n) => listEntry(n, { id: restored[n] }));
  const probe = (n: keyof typeof ids, revision = 41) => okProbe(n, restored.m2, { memberId: restored[n], clusterId: NEW, revision });
  const old = deriveRing(poll(1, [okProbe('m1', '0'), downProbe('m2'), downProbe('m3')]), null, ctx);
  const up = deriveRing(poll(2, [probe('m1'), probe('m2'), probe('m3')], { members: list }), old, ctx);
  const agree: HashCheck = {
    cluster: 'demo',
    revision: 41,
    checkedAt: '2026-11-22T03:00:05.000Z',
    consistent: true,
    members: (['m1', 'm2', 'm3'] as const).map((n) => ({ id: restored[n], name: n, hash: 7, compactRevision: -1, verdict: 'agree' as const, reason: null })),
    leaderSide: null,
    summary: 'all 3 voters agree at revision 41',
  } as HashCheck;

  test('done: a new cluster ID, every voter healthy, no split endpoint, the backup revision, HashKV agreeing', () => {
    const v = verifyRestore({ ring: up, hash: agree, previousClusterId: old.clusterId, chosen: { revision: 40 }, bumpRevision: null, since: '2026-11-22T03:00:02.000Z' });
    expect(v.checks.map((c) => [c.key, c.ok])).toEqual([['cluster-id', true], ['voters', true], ['splits', true], ['revision', true], ['hashkv', true]]);
    expect(v.done).toBe(true);
    expect(v.checks[0].message).toBe(`A new cluster ID, ${NEW} (was ${old.clusterId}): the endpoints serve the restored cluster.`);
  });

  test('not yet: the old cluster still, one member missing, an old member left running, a stale HashKV check', () => {
    expect(verifyRestore({ ring: old, hash: null, previousClusterId: old.clusterId, chosen: { revision: 40 }, bumpRevision: null, since: null }).checks[0]).toMatchObject({ ok: false, message: `Still cluster ${old.clusterId}: the members have not been restored yet.` });
    const two = deriveRing(poll(3, [probe('m1'), probe('m2'), okProbe('m3', L)], { members: list }), up, ctx);
    const v = verifyRestore({ ring: two, hash: agree, previousClusterId: old.clusterId, chosen: { revision: 40 }, bumpRevision: null, since: '2026-11-22T03:00:10.000Z' });
    expect(v.done).toBe(false);
    expect(v.checks.find((c) => c.key === 'voters')).toMatchObject({ ok: false, message: '2 of 3 voters healthy; waiting for m3.' });
    expect(v.checks.find((c) => c.key === 'splits')).toMatchObject({ ok: false, message: 'http://127.0.0.1:2379 still answers as another cluster: stop it and restore it too.' });
    expect(v.checks.find((c) => c.key === 'hashkv')?.ok).toBe(false);
    // With --bump-revision the restored ring must be a billion revisions on.
    expect(verifyRestore({ ring: up, hash: agree, previousClusterId: old.clusterId, chosen: { revision: 40 }, bumpRevision: KUBERNETES_BUMP, since: null }).checks.find((c) => c.key === 'revision')).toMatchObject({ ok: false });
  });
});
