// Issue 11: a member's name is whatever its --name said. Members really started with hostile
// names, against the built server: no path, header, shell command, YAML file or Markdown line
// may treat the name as anything but data.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { hashToken } from '@/lib/auth/password';
import type { AuditEntry } from '@/lib/audit/types';
import type { ReplacementView, StoredSnapshot } from '@/lib/ops/types';
import type { RingState } from '@/lib/ring/types';
import { yamlScalar } from '@/lib/text/yaml';
import { stopChild } from '../support/child';
import { freePortBlock, releasePorts } from '../harness/ports';
import { EtcdRing } from '../harness/ring';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const ETCD = process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd';
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';
const OPERATOR = 'op-token-0123456789abcdef0123456789abcdef';

const TRAVERSAL = '../../../../etc/cron.d/x';
const CHECK = 'm3✓';
const INJECTION = 'm3$(touch${IFS}pwned)';
// Quotes, backticks and a comment: what breaks naive single or double quoting.
const LEARNER = `m4'"\`touch pwned-bt\`;$(touch pwned-dollar) #`;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function etcdctlJson(args: string[], endpoint?: string): Record<string, unknown> {
  const out = execFileSync(ETCDCTL, [...(endpoint ? [`--endpoints=${endpoint}`] : []), ...args, '-w', 'json'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  return JSON.parse(out.replace(/("ID"|"member_id"|"cluster_id"):(\d+)/g, '$1:"$2"'));
}

/** etcd run directly (not by the harness), output to `log`; tracked so afterAll stops it by PID. */
const spawned: ChildProcess[] = [];
function startEtcd(args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(ETCD, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  spawned.push(child);
  return child;
}

/** Runs `fn`; if it throws, the error carries the tail of `log`. */
async function withLog(log: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-15).join('\n') : '(no log)';
    throw new Error(`${(e as Error).message}\n--- ${log} ---\n${tail}`);
  }
}

describe('members started with hostile names', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let op: OpsClient;
  let dir: string;
  let backups: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-names-'));
    backups = path.join(dir, 'backups');
    // Where `<backups>/c/c-../../../../etc/cron.d/x-rev...` resolves: made, so a write there would succeed.
    mkdirSync(path.join(dir, 'etc', 'cron.d'), { recursive: true });
    ring = await EtcdRing.start({ names: [TRAVERSAL, CHECK, INJECTION] });
    server = await RingsideServer.start({
      clusters: [{ name: 'c', endpoints: [ring.members[0].clientURL], metrics: { enabled: false } }],
      hashCheckIntervalMs: 2000,
      dataDir: path.join(dir, 'data'),
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, tokenHash: "${hashToken(OPERATOR)}" }`, 'backups:', `  dir: ${backups}`, '  keep: 1'].join('\n'),
    });
    op = new OpsClient(server.url, OPERATOR);
    expect((await ring.etcdctl(['put', 'written-before', 'by the test'])).code).toBe(0);
    await ring.waitFor(async () => (await ringState()).members.filter((m) => m.reachable).length === 3, { what: 'Ringside to see 3 members' });
  });
  afterAll(async () => {
    await Promise.all(spawned.map((c) => stopChild(c)));
    await server?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ringState = async () => (await server.json<RingState>('/api/clusters/c/ring')).body;
  const idOf = async (name: string) => (await ringState()).members.find((m) => m.name === name)!.id;
  const stored = async () => (await op.get<{ snapshots: StoredSnapshot[] }>('/api/clusters/c/backups')).body.snapshots;

  test(`a backup of ${TRAVERSAL} lands inside the backup directory; prune and the list never leave it`, async () => {
    // A sidecar that points outside, older than anything kept: pruning must not delete its target.
    const victim = path.join(dir, 'victim.db');
    writeFileSync(victim, 'not a snapshot');
    mkdirSync(path.join(backups, 'c'), { recursive: true });
    writeFileSync(path.join(backups, 'c', 'planted.db.json'), JSON.stringify({ file: victim, cluster: 'c', member: { id: '1', name: 'x' }, revision: 1, takenAt: '2000-01-01T00:00:00.000Z', size: 1, sha256: '', encrypted: false, status: null }));

    const id = await idOf(TRAVERSAL);
    const backup = await op.run('c', '/backups', { member: id });
    expect(backup.state, JSON.stringify(backup)).toBe('succeeded');

    expect(readdirSync(path.join(dir, 'etc', 'cron.d'))).toEqual([]);
    expect(existsSync(victim)).toBe(true);
    const written = filesUnder(dir).filter((f) => !f.startsWith(`data${path.sep}`) && f !== 'victim.db');
    // The planted sidecar labels no data object, so no listing or retention reads it: left alone.
    expect(written.filter((f) => f !== 'backups/c/planted.db.json').sort()).toEqual([expect.stringMatching(new RegExp(`^backups/c/c-_\\.\\._\\.\\._\\.\\._etc_cron\\.d_x-${id}-rev\\d+-\\d{8}T\\d{6}\\.\\d{3}Z\\.db$`)), expect.stringMatching(/x-[0-9a-f]+-rev\d+-.*\.db\.json$/)]);
    expect(written).toContain('backups/c/planted.db.json');

    const [snap] = await stored();
    expect(snap.member).toEqual({ id, name: TRAVERSAL });
    expect(path.dirname(snap.file)).toBe(path.join(backups, 'c'));
    const status = etcdctlJson(['snapshot', 'status', snap.file]);
    expect(snap.status).toEqual({ hash: (status.hash as number).toString(16), revision: status.revision, totalKey: status.totalKey, totalSize: status.totalSize });
  });

  test('a snapshot stored under the old naming is still listed, from its own directory', async () => {
    const [snap] = await stored();
    const legacy = path.join(backups, 'c', `c-m1-rev${snap.revision}-20260101T000000Z.db`);
    copyFileSync(snap.file, legacy);
    // Old sidecars held the absolute path; a copied directory makes it point elsewhere.
    writeFileSync(`${legacy}.json`, JSON.stringify({ ...snap, restore: undefined, file: `/elsewhere/${path.basename(legacy)}`, takenAt: '2026-01-01T00:00:00.000Z' }));
    // A listing serves reads for 10 s (the restore wizard asks every 2 s): a file copied in by hand shows by the next one.
    await expect.poll(async () => (await stored()).map((s) => s.file), { timeout: 15_000, interval: 1000 }).toEqual([snap.file, legacy]);
    rmSync(legacy);
    rmSync(`${legacy}.json`);
  });

  test(`a download from ${CHECK} answers 200 with RFC 5987 names, passes etcdctl snapshot status and is audited`, async () => {
    const id = await idOf(CHECK);
    const res = await fetch(`${server.url}/api/clusters/c/snapshot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
      body: JSON.stringify({ member: id }),
    });
    expect(res.status, res.status === 200 ? '' : await res.text()).toBe(200);
    const revision = res.headers.get('x-ringside-snapshot-revision');
    const name = `c-%s-${id}-rev${revision}-\\d{8}T\\d{6}Z\\.db`;
    const disposition = res.headers.get('content-disposition')!;
    const m = new RegExp(`^attachment; filename="(${name.replace('%s', 'm3_')})"; filename\\*=UTF-8''(${name.replace('%s', 'm3%E2%9C%93')})$`).exec(disposition);
    expect(m, disposition).not.toBeNull();
    expect(decodeURIComponent(m![2])).toBe(m![1].replace('m3_', CHECK));
    expect(res.headers.get('x-ringside-snapshot-member')).toBe(id);
    expect(decodeURIComponent(res.headers.get('x-ringside-snapshot-member-name')!)).toBe(CHECK);

    const file = path.join(dir, 'download.db');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    expect(etcdctlJson(['snapshot', 'status', file]).revision).toBe(Number(revision));

    await ring.waitFor(async () => {
      const audit = (await op.get<{ entries: AuditEntry[] }>('/api/clusters/c/audit')).body.entries;
      return audit.some((e) => e.action === 'snapshot-download' && e.result === 'ok' && e.member?.name === CHECK);
    }, { what: 'the download in the audit log' });
  });

  test('the start instructions for a learner with quotes and backticks in its name: flags, environment and YAML give the name exactly', async () => {
    await ring.addMember({ learner: true, name: LEARNER });
    let view!: ReplacementView;
    await ring.waitFor(async () => {
      view = (await op.get<ReplacementView>('/api/clusters/c/replacement')).body;
      return view.instructions?.name === LEARNER;
    }, { what: 'the wizard to offer start instructions for the learner' });
    const ins = view.instructions!;
    const state = await ringState();
    expect(ins.initialCluster).toBe(state.members.flatMap((m) => m.peerURLs.map((u) => `${m.name}=${u}`)).join(','));
    for (const n of [TRAVERSAL, CHECK, INJECTION, LEARNER]) expect(ins.initialCluster).toContain(`${n}=`);

    const work = mkdtempSync(path.join(dir, 'start-'));
    const sh = (script: string) => {
      const r = spawnSync('bash', ['-c', script], { cwd: work, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.split('\0').slice(0, -1);
    };
    // The flags as pasted, with etcd standing in to print what it would be given.
    const args = sh(`etcd() { printf '%s\\0' "$@"; }\n${ins.flags}`);
    expect(args).toContain(`--name=${LEARNER}`);
    expect(args).toContain(`--initial-cluster=${ins.initialCluster}`);
    expect(sh(`set -a\n${ins.env}\nprintf '%s\\0' "$ETCD_NAME" "$ETCD_INITIAL_CLUSTER"`)).toEqual([LEARNER, ins.initialCluster]);
    for (const version of ['1.1', '1.2'] as const) {
      const yaml = parse(ins.configYaml, { version });
      expect([yaml.name, yaml['initial-cluster']]).toEqual([LEARNER, ins.initialCluster]);
    }
    expect(readdirSync(work)).toEqual([]);

    // etcd itself (go-yaml, YAML 1.1) reads the config file: the learner, restarted from it (on
    // its own data dir: a member that ran once cannot rejoin on an empty one), publishes the name.
    await ring.kill(LEARNER);
    const config = path.join(work, 'etcd-config.yml');
    writeFileSync(config, ins.configYaml.replace(/^data-dir: .*$/m, `data-dir: ${yamlScalar(ring.member(LEARNER).dataDir)}`));
    const log = path.join(work, 'etcd.log');
    const child = startEtcd([`--config-file=${config}`], log);
    try {
      // capnslog: "etcdserver: published {Name:... ClientURLs:[...]} to cluster ...", the name etcd read from the file.
      await withLog(log, () => ring.waitFor(() => readFileSync(log, 'utf8').includes(`published {Name:${LEARNER} ClientURLs:`), { what: 'the learner to publish its name' }));
      await ring.waitFor(async () => (await ringState()).members.some((m) => m.id === view.learner!.id && m.reachable && m.name === LEARNER), { what: 'the learner to answer again' });
    } finally {
      await stopChild(child);
    }
    expect(filesUnder(work).filter((f) => path.basename(f).startsWith('pwned'))).toEqual([]);
  });
  test('the restore commands run through bash: nothing runs, each restores, and the restored ring knows every name exactly', async () => {
    const [snap] = await stored();
    const names = [TRAVERSAL, CHECK, INJECTION];
    expect(snap.restore.commands.map((c) => c.member).sort()).toEqual([...names].sort());
    const work = mkdtempSync(path.join(dir, 'restore-'));
    const restored = path.join(work, 'restored');
    mkdirSync(restored);
    // etcdctl as pasted, wrapped to also print the arguments the shell gave it.
    const members: { name: string; dataDir: string; peerURL: string }[] = [];
    for (const c of snap.restore.commands) {
      // Data dirs moved into the test's directory, as an operator moves /var/lib/ aside.
      const command = c.command.replace(/--data-dir=(['"]?)\/var\/lib\//, `--data-dir=$1${restored}/`);
      const r = spawnSync('bash', ['-c', `etcdctl() { printf '%s\\0' "$@"; command etcdctl "$@" >&2; }\n${command}`], { cwd: work, encoding: 'utf8' });
      expect(r.status, `${command}\n${r.stderr}`).toBe(0);
      const args = r.stdout.split('\0').slice(0, -1);
      const flag = (k: string) => args.find((a) => a.startsWith(`--${k}=`))!.slice(k.length + 3);
      expect(flag('name')).toBe(c.member);
      members.push({ name: flag('name'), dataDir: flag('data-dir'), peerURL: flag('initial-advertise-peer-urls') });
    }
    expect(readdirSync(work).sort()).toEqual(['restored']);
    expect(readdirSync(restored)).toHaveLength(3);
    for (const d of readdirSync(restored)) expect(d).toMatch(/^etcd-restored-[A-Za-z0-9_-][A-Za-z0-9._-]*$/);

    // The disaster itself: the old ring goes, the restored members start on its peer URLs.
    for (const m of ring.members) await ring.kill(m.name);
    const ports = await freePortBlock(members.length);
    const clients = ports.map((p) => `http://127.0.0.1:${p}`);
    const children = members.map((m, i) =>
      startEtcd([`--name=${m.name}`, `--data-dir=${m.dataDir}`, `--listen-peer-urls=${m.peerURL}`, `--initial-advertise-peer-urls=${m.peerURL}`, `--listen-client-urls=${clients[i]}`, `--advertise-client-urls=${clients[i]}`], path.join(work, `etcd-${i}.log`)),
    );
    try {
      let list: { name: string }[] = [];
      await withLog(path.join(work, 'etcd-0.log'), () =>
        ring.waitFor(() => {
          list = etcdctlJson(['member', 'list', '--command-timeout=2s'], clients[0]).members as { name: string }[];
          return list.length === 3 && list.every((x) => x.name);
        }, { what: 'the restored ring to answer', timeoutMs: 30_000 }),
      );
      expect(list.map((x) => x.name).sort()).toEqual([...names].sort());
      expect(execFileSync(ETCDCTL, [`--endpoints=${clients[1]}`, 'get', 'written-before', '--print-value-only'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } }).trim()).toBe('by the test');
    } finally {
      await Promise.all(children.map((c) => stopChild(c)));
      releasePorts(ports);
    }
    expect(filesUnder(work).filter((f) => path.basename(f).startsWith('pwned'))).toEqual([]);
  });
});
