// Issue 14, wired: the built server takes scheduled backups of a real 3-member ring into S3
// (s3rver on 127.0.0.1; there is no AWS account here), keeps the right ones, drills them on a
// schedule and on demand, alerts when a drill finds a backup altered in its store, and when the
// schedule stops (no quorum) long enough for the newest backup to go stale.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '@/lib/alerts/tracker';
import type { BackupsResponse, TimelineResponse } from '@/lib/api/contract';
import { hashToken } from '@/lib/auth/password';
import type { AuditEntry } from '@/lib/audit/types';
import type { ClusterSummary } from '@/lib/ring/summary';
import { EtcdRing } from '../harness/ring';
import { S3RVER_CREDENTIALS, S3Server } from '../harness/s3';
import { flipByteInObject, rawS3 } from '../support/backups';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const TOKEN = 'backup-operator-token-7c1e0b5a9d3f4e2a8b6c';
const BUCKET = 'ringside-it';
const PREFIX = 'wired/';
const ETCD = process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd';
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';

describe('scheduled backups to S3, retention, drills and their alerts, through the built server', () => {
  let ring: EtcdRing;
  let s3: S3Server;
  let raw: S3Client;
  let server: RingsideServer;
  let op: OpsClient;
  let dir: string;

  const env = { ...process.env };

  beforeAll(async () => {
    // The test's own S3 client finds s3rver's keys where the server's SDK does: the environment.
    Object.assign(process.env, S3RVER_CREDENTIALS);
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-backups-wired-'));
    await Promise.all([EtcdRing.start({ size: 3, name: 'b' }).then((r) => (ring = r)), S3Server.start({ buckets: [BUCKET] }).then((s) => (s3 = s))]);
    for (let i = 0; i < 40; i++) expect((await ring.etcdctl(['put', `/registry/pods/default/p${i}`, `spec-${i}`])).code).toBe(0);
    raw = rawS3(s3.endpoint);
    server = await RingsideServer.start({
      clusters: [{ name: 'c', endpoints: [ring.members[0].clientURL], metrics: { enabled: false } }],
      hashCheckIntervalMs: 2000,
      dataDir: path.join(dir, 'data'),
      env: S3RVER_CREDENTIALS,
      extraYaml: [
        'auth:',
        '  users:',
        `    - { name: alice, role: operator, tokenHash: "${hashToken(TOKEN)}" }`,
        'backups:',
        '  stores:',
        `    - s3: { endpoint: ${s3.endpoint}, region: us-east-1, bucket: ${BUCKET}, prefix: ${PREFIX}, forcePathStyle: true }`,
        '  every: 10s',
        '  staleAfter: 25s',
        '  keep: 2',
        `  drill: { every: 1h, etcd: ${ETCD}, etcdctl: ${ETCDCTL} }`,
      ].join('\n'),
    });
    op = new OpsClient(server.url, TOKEN);
  });

  afterAll(async () => {
    await server?.stop();
    raw?.destroy();
    await Promise.all([ring?.close(), s3?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const k of Object.keys(S3RVER_CREDENTIALS)) if (env[k] === undefined) delete process.env[k];
  });

  const backups = async () => (await op.get<BackupsResponse>('/api/clusters/c/backups')).body;
  const audit = async () => (await op.get<{ entries: AuditEntry[] }>('/api/clusters/c/audit?limit=200')).body.entries;
  const alerts = async () => (await server.json<{ alerts: Alert[] }>('/api/alerts')).body.alerts.filter((a) => a.cluster === 'c');
  const objects = async () => {
    const res = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}c/` }));
    return (res.Contents ?? []).map((o) => o.Key!.slice(`${PREFIX}c/`.length)).sort();
  };
  /** Starts an action, waiting out the scheduler's own operations (one per cluster at a time). */
  const act = async (pathname: string, body: unknown = {}) => {
    let r = await op.post<{ operation?: { id: string } }>(`/api/clusters/c${pathname}`, body);
    for (let i = 0; r.status === 409 && i < 60; i++) {
      await new Promise((res) => setTimeout(res, 500));
      r = await op.post(`/api/clusters/c${pathname}`, body);
    }
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return op.follow('c', r.body.operation!.id, 120_000);
  };

  test('scheduled backups land in the bucket with sidecars; retention keeps the newest 2; each run is audited as ringside (schedule)', async () => {
    const seen = new Set<string>();
    await ring.waitFor(
      async () => {
        for (const id of (await objects()).filter((k) => !k.endsWith('.json'))) seen.add(id);
        return seen.size >= 3;
      },
      { timeoutMs: 75_000, intervalMs: 1000, what: 'three scheduled backups to reach the bucket' },
    );
    // Retention runs after each backup, once the new one is stored and verified.
    await ring.waitFor(async () => (await objects()).filter((k) => !k.endsWith('.json')).length === 2, { timeoutMs: 20_000, what: 'retention to keep 2' });
    const kept = (await objects()).filter((k) => !k.endsWith('.json'));
    expect(await objects()).toEqual([...kept, ...kept.map((k) => `${k}.json`)].sort());
    // The two kept are the newest two ever seen (names sort by time within one member).
    const byTime = [...seen].sort((a, b) => a.slice(a.lastIndexOf('-rev')).replace(/^-rev\d+-/, '').localeCompare(b.slice(b.lastIndexOf('-rev')).replace(/^-rev\d+-/, '')));
    expect(kept.sort()).toEqual(byTime.slice(-2).sort());

    const list = await backups();
    expect(list.snapshots.map((s) => s.id).sort()).toEqual(kept.sort());
    expect(list.snapshots.every((s) => s.storeKey === 's3-1' && s.store.startsWith(`s3://${BUCKET}/${PREFIX}`) && s.verified)).toBe(true);
    expect(list.freshness).toMatchObject({ stale: false, staleAfterSeconds: 25 });
    expect(list.freshness.ageSeconds).toBeLessThan(25);
    expect(list.schedule).toMatchObject({ everyMs: 10_000, staleAfterMs: 25_000 });

    const runs = (await audit()).filter((e) => e.action === 'snapshot-backup' && e.result === 'ok');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.every((e) => e.user === 'ringside (schedule)' && e.via === 'schedule' && e.params.scheduled === true)).toBe(true);
    expect(runs.some((e) => Array.isArray(e.details?.retention))).toBe(true);
    // The summary every screen reads knows the backup.
    const summary = (await server.json<{ clusters: ClusterSummary[] }>('/api/clusters')).body.clusters[0];
    expect(summary.backups?.newestAt).toBe(list.freshness.newestAt);
  });

  test('/api/metrics carries the backup series other tools alert on', async () => {
    const text = await (await fetch(`${server.url}/api/metrics`)).text();
    expect(text).toMatch(/^ringside_backup_last_success_timestamp_seconds\{cluster="c"\} \d+(\.\d+)?$/m);
    expect(text).toMatch(/^ringside_backup_age_seconds\{cluster="c"\} \d+(\.\d+)?$/m);
    expect(text).toMatch(/^ringside_backup_drill_failing\{cluster="c"\} [01]$/m);
  });

  test('a scheduled drill proves a backup restorable; a drill on demand of a backup altered in the bucket fails naming why, and alerts', async () => {
    // drill.every is 1h: the first one runs as soon as a verified backup exists.
    await ring.waitFor(async () => (await audit()).some((e) => e.action === 'backup-drill' && e.user === 'ringside (schedule)' && e.result === 'ok'), { timeoutMs: 60_000, intervalMs: 1000, what: 'the scheduled drill' });
    const proven = (await backups()).snapshots.find((s) => s.drill?.result === 'passed');
    // Retention may have deleted the drilled one since; then its record is in the audit log.
    const passed = (await audit()).find((e) => e.action === 'backup-drill' && e.result === 'ok')!;
    expect((passed.details?.drill as { reason: string }).reason).toMatch(/^restored with etcdctl snapshot restore \(etcd 3\.4\.\d+\): revision \d+, \d+ keys, HashKV \d+ as recorded at backup time$/);
    if (proven) expect(proven.drill!.reason).toMatch(/as recorded at backup time/);

    // A good one, on demand.
    const [good, victim] = (await backups()).snapshots;
    const ok = await act(`/backups/${encodeURIComponent(good.id)}/drill`, { store: 's3-1' });
    expect(ok.state, JSON.stringify(ok)).toBe('succeeded');
    expect(ok.steps.map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^Fetch /), expect.stringMatching(/^Restore it with etcdctl snapshot restore/)]));

    // One byte flipped in the stored object, behind the store's back.
    await flipByteInObject(raw, BUCKET, `${PREFIX}c/${victim.id}`, 4096);
    const bad = await act(`/backups/${encodeURIComponent(victim.id)}/drill`, {});
    expect(bad.state).toBe('failed');
    expect(bad.error).toMatch(/the drill failed: the stored object's SHA-256 is [0-9a-f]{64}, the sidecar recorded [0-9a-f]{64}: the object was altered or damaged in the store/);

    // It alerts through the rule, at the next poll.
    await ring.waitFor(async () => (await alerts()).some((a) => a.rule === 'ringsideDrillFailed' && a.state === 'firing'), { timeoutMs: 10_000, what: 'ringsideDrillFailed to fire' });
    const alert = (await alerts()).find((a) => a.rule === 'ringsideDrillFailed')!;
    expect(alert).toMatchObject({ severity: 'critical', message: expect.stringContaining(`the restore drill of ${victim.id} failed: the stored object's SHA-256 is`) });
    expect(await (await fetch(`${server.url}/api/metrics`)).text()).toMatch(/^ringside_backup_drill_failing\{cluster="c"\} 1$/m);
    // The list says so per backup, and the timeline and audit keep the reason.
    const listed = (await backups()).snapshots.find((s) => s.id === victim.id);
    if (listed) expect(listed).toMatchObject({ verified: false, drill: { result: 'failed', reason: expect.stringContaining("the stored object's SHA-256") } });
    const timeline = (await server.json<TimelineResponse>('/api/timeline?cluster=c&last=15m')).body.entries;
    expect(timeline.some((e) => e.kind === 'action' && e.message.startsWith(`alice drilled backup ${victim.id} (failed: the drill failed: the stored object's SHA-256`) && e.severity === 'critical')).toBe(true);
    expect(timeline.some((e) => e.kind === 'alert-firing' && e.message.startsWith('ringsideDrillFailed firing'))).toBe(true);
    // A drill of an ID that is not there, or a store that is not the cluster's: 404 and 400, nothing runs.
    expect((await op.post('/api/clusters/c/backups/c-x-1-rev1-20260101T000000.000Z.db/drill', {})).status).toBe(404);
    const wrongStore = await op.post<{ error: { field: string } }>(`/api/clusters/c/backups/${encodeURIComponent(good.id)}/drill`, { store: 'local-1' });
    expect(wrongStore.status).toBe(400);
    expect(wrongStore.body.error.field).toBe('store');
  });

  test('with the schedule stopped (no quorum: never back up a ring without one), the skip says why once, and the stale-backup alert fires', async () => {
    await Promise.all([ring.kill('b2'), ring.kill('b3')]);
    const skipped = async () => (await audit()).filter((e) => e.action === 'snapshot-backup' && e.result === 'skipped' && /no quorum/.test(e.error ?? ''));
    await ring.waitFor(async () => (await skipped()).length > 0, { timeoutMs: 30_000, intervalMs: 1000, what: 'a skipped scheduled backup' });
    const first = await skipped();
    expect(first[0]).toMatchObject({ user: 'ringside (schedule)', via: 'schedule', error: expect.stringMatching(/^scheduled backup skipped: no quorum \(\d of 3 voters healthy, 2 needed\): a member cut off from the leader may hold old data$/) });
    await ring.waitFor(async () => (await alerts()).some((a) => a.rule === 'ringsideBackupStale' && a.state === 'firing'), { timeoutMs: 45_000, intervalMs: 1000, what: 'ringsideBackupStale to fire' });
    const stale = (await alerts()).find((a) => a.rule === 'ringsideBackupStale')!;
    expect(stale).toMatchObject({ severity: 'warning', message: expect.stringMatching(/^the newest verified backup is \d+ s old \(stale after 25 s\)$/) });
    expect((await backups()).freshness.stale).toBe(true);
    // Once per reason, not every tick: the scheduler has asked every 5 s all along.
    expect(await skipped()).toHaveLength(first.length);
    const timeline = (await server.json<TimelineResponse>('/api/timeline?cluster=c&last=15m')).body.entries;
    expect(timeline.some((e) => e.kind === 'action' && e.message.startsWith('ringside (schedule): scheduled backup skipped: no quorum'))).toBe(true);
    expect(timeline.some((e) => e.kind === 'alert-firing' && e.message.startsWith('ringsideBackupStale firing'))).toBe(true);
  });
});
