// Self-test of the etcd ring harness against real etcd 3.4.
// Run: npx vitest run --config e2e/harness/vitest.config.mts
import { test, expect, afterEach } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EtcdRing, parseJsonBig } from './ring';
import { processAlive as alive } from './ports';

const opened: EtcdRing[] = [];
afterEach(async () => {
  // A failed assertion must not leave members running.
  await Promise.all(opened.splice(0).map((r) => r.close()));
});

const pidsOf = (ring: EtcdRing): number[] => ring.members.flatMap((m) => (m.pid === null ? [] : [m.pid]));

test('3-member ring: leader kill, restart, freeze/thaw, learner, close', async () => {
  let t = Date.now();
  const ring = await EtcdRing.start();
  opened.push(ring);
  console.log(`3-member ring healthy in ${Date.now() - t} ms at ${ring.baseDir}`);
  const pids = new Set(pidsOf(ring));
  expect(pids.size).toBe(3);
  for (const m of ring.members) expect(m.clientURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  const st = await ring.etcdctl(['endpoint', 'status', '-w', 'json']);
  expect(st.code, st.stderr).toBe(0);
  const statuses = parseJsonBig(st.stdout) as { Status: { leader: string; header: { member_id: string } } }[];
  expect(statuses).toHaveLength(3);
  expect(new Set(statuses.map((s) => s.Status.leader)).size).toBe(1); // all agree on one leader
  expect(statuses.map((s) => s.Status.header.member_id)).toContain(statuses[0].Status.leader);

  const put = await ring.etcdctl(['put', 'k', 'v1']);
  expect(put.code, put.stderr).toBe(0);

  // Kill the leader: the other two elect a new one.
  const oldLeader = await ring.leaderName();
  expect(['m1', 'm2', 'm3']).toContain(oldLeader);
  t = Date.now();
  await ring.kill(oldLeader!);
  expect(ring.member(oldLeader!).running).toBe(false);
  expect(ring.member(oldLeader!).pid).toBeNull();
  expect(ring.endpoints()).toHaveLength(2);
  let newLeader: string | null = null;
  await ring.waitFor(
    async () => {
      newLeader = await ring.leaderName();
      return newLeader !== null && newLeader !== oldLeader;
    },
    { what: 'a new leader', timeoutMs: 15_000 },
  );
  console.log(`new leader ${newLeader} ${Date.now() - t} ms after killing ${oldLeader}`);

  // Restart it on its data dir: it rejoins and sees the write made before the kill.
  t = Date.now();
  await ring.restart(oldLeader!);
  console.log(`restarted ${oldLeader} serving in ${Date.now() - t} ms`);
  pids.add(ring.member(oldLeader!).pid!);
  const get = await ring.etcdctl(['get', 'k', '--print-value-only', '--consistency=s'], {
    endpoints: [ring.member(oldLeader!).clientURL],
  });
  expect(get.stdout.trim()).toBe('v1');

  // Freeze a follower: the ring keeps serving writes; thaw and it catches up.
  const leaderNow = await ring.leaderName();
  const follower = ring.members.find((m) => m.name !== leaderNow)!.name;
  ring.freeze(follower);
  expect(ring.member(follower).frozen).toBe(true);
  expect(ring.endpoints()).not.toContain(ring.member(follower).clientURL);
  const put2 = await ring.etcdctl(['put', 'k', 'v2']);
  expect(put2.code, put2.stderr).toBe(0);
  const frozenAnswer = await ring.etcdctl(['endpoint', 'health', '--command-timeout=1s', '--dial-timeout=1s'], {
    endpoints: [ring.member(follower).clientURL],
  });
  expect(frozenAnswer.code).not.toBe(0);
  ring.thaw(follower);
  expect(ring.member(follower).frozen).toBe(false);
  await ring.waitFor(
    async () => {
      const r = await ring.etcdctl(['get', 'k', '--print-value-only', '--consistency=s'], {
        endpoints: [ring.member(follower).clientURL],
      });
      return r.stdout.trim() === 'v2';
    },
    { what: `${follower} to catch up after thaw` },
  );

  // Add a started learner: member list shows 4 members, one a learner.
  t = Date.now();
  const learner = await ring.addMember({ learner: true });
  console.log(`learner ${learner.name} added and serving in ${Date.now() - t} ms`);
  expect(learner.running).toBe(true);
  pids.add(learner.pid!);
  const ml = await ring.etcdctl(['member', 'list', '-w', 'json']);
  expect(ml.code, ml.stderr).toBe(0);
  const list = (parseJsonBig(ml.stdout) as { members: { name: string; isLearner?: boolean; ID: string }[] }).members;
  expect(list).toHaveLength(4);
  expect(list.filter((m) => m.isLearner).map((m) => m.name)).toEqual([learner.name]);
  // IDs survived parsing unrounded: they match the hex IDs etcdctl prints itself.
  const simple = await ring.etcdctl(['member', 'list']);
  const hexIds = simple.stdout.trim().split('\n').map((l) => l.split(',')[0].trim()).sort();
  expect(list.map((m) => BigInt(m.ID).toString(16)).sort()).toEqual(hexIds);

  const baseDir = ring.baseDir;
  await ring.close();
  for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid} still alive`).toThrow();
  expect(ring.members.every((m) => !m.running)).toBe(true);
  expect(existsSync(baseDir)).toBe(false);
});

test('TLS ring of 1: etcdctl works with the client cert and fails without it', async () => {
  const t = Date.now();
  const ring = await EtcdRing.start({ size: 1, tls: true });
  opened.push(ring);
  console.log(`TLS ring healthy in ${Date.now() - t} ms; client URL ${ring.members[0].clientURL}`);
  const tls = ring.tls!;
  expect(tls).toBeDefined();
  for (const f of [tls.ca, tls.cert, tls.key, tls.serverCert, tls.serverKey]) expect(existsSync(f)).toBe(true);
  const m = ring.members[0];
  expect(m.clientURL).toMatch(/^https:\/\/(localhost|127\.0\.0\.1):\d+$/);
  expect(m.peerURL).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(m.metricsURL).toMatch(/^http:\/\//);

  const put = await ring.etcdctl(['put', 'secure', 'yes']);
  expect(put.code, put.stderr).toBe(0);
  const get = await ring.etcdctl(['get', 'secure', '--print-value-only']);
  expect(get.stdout.trim()).toBe('yes');
  expect(await ring.leaderName()).toBe(m.name);

  // Same call with the CA but no client cert: the server rejects the handshake.
  const noCert = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(
      '/usr/bin/etcdctl',
      [`--endpoints=${m.clientURL}`, `--cacert=${tls.ca}`, '--dial-timeout=2s', '--command-timeout=3s', 'get', 'secure'],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 20_000 },
      (err, _out, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
    ),
  );
  expect(noCert.code).not.toBe(0);
  console.log(`without client cert: exit ${noCert.code}: ${noCert.stderr.trim().split('\n').pop()}`);

  const pids = pidsOf(ring);
  const baseDir = ring.baseDir;
  await ring.close();
  for (const pid of pids) expect(alive(pid)).toBe(false);
  expect(existsSync(baseDir)).toBe(false);
});
