import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRingsideError } from '@/lib/errors';
import { corruptCheckFlags, EtcdPods, loadKubeConfig, mapPodToMember, type MemberRef, type PodLogLine } from '@/lib/k8s/etcd-pods';
import { EtcdRing, freePortBlock, parseJsonBig } from '../harness/ring';
import { FakeKube } from '../support/fake-kube';

/** The complete lines of a log file right now (a line still being written is left out). */
function fileLines(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.pop();
  return lines;
}

/** `etcdctl member list`, IDs in hex as etcdctl shows them. */
async function memberList(ring: EtcdRing): Promise<MemberRef[]> {
  const r = await ring.etcdctl(['member', 'list', '-w', 'json']);
  expect(r.code, r.stderr).toBe(0);
  const { members } = parseJsonBig(r.stdout) as { members: { ID: string | number; name: string; peerURLs: string[]; clientURLs?: string[] }[] };
  return members.map((m) => ({ id: BigInt(m.ID).toString(16), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs ?? [] }));
}

/** The ID a member reports for itself (endpoint status), to check the mapping against the member, not the name. */
async function selfId(ring: EtcdRing, clientURL: string): Promise<string> {
  const r = await ring.etcdctl(['endpoint', 'status', '-w', 'json'], { endpoints: [clientURL] });
  const [s] = parseJsonBig(r.stdout) as { Status: { header: { member_id: string | number } } }[];
  return BigInt(s.Status.header.member_id).toString(16);
}

/**
 * Waits until the follower has delivered exactly the file's lines, in order, then asserts it
 * (so a timeout fails with the difference, not just "timed out").
 */
async function expectWholeLog(ring: EtcdRing, got: PodLogLine[], file: string, timeoutMs: number): Promise<void> {
  const same = (): boolean => {
    const lines = fileLines(file);
    return got.length === lines.length && got.every((l, i) => l.text === lines[i]);
  };
  await ring.waitFor(same, { what: `every line of ${path.basename(path.dirname(file))}'s log, once`, timeoutMs, intervalMs: 100 }).catch(() => undefined);
  const lines = fileLines(file);
  expect(got.map((l) => l.text)).toEqual(lines.slice(0, Math.max(got.length, lines.length)));
}

describe('etcd pods and logs through the Kubernetes API (stand-in server over a real ring)', () => {
  let ring: EtcdRing;
  let kube: FakeKube;
  let pods: EtcdPods;

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 3, corruptionChecks: true });
    kube = await FakeKube.start({ members: () => ring.members });
    pods = new EtcdPods(loadKubeConfig({ kubeconfig: kube.kubeconfig }));
  });
  afterAll(async () => {
    await kube?.close();
    await ring?.close();
  });

  test('list() finds the three etcd pods; the command carries the corruption-check flags; each maps to its member', async () => {
    const list = await pods.list();
    expect(list.map((p) => p.name)).toEqual(['etcd-m1', 'etcd-m2', 'etcd-m3']);
    const members = await memberList(ring);
    for (const p of list) {
      expect(p).toMatchObject({ namespace: 'kube-system', phase: 'Running', restarts: 0, ready: true, reason: null, ip: '127.0.0.1' });
      expect(p.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(path.basename(p.command[0])).toBe('etcd');
      expect(corruptCheckFlags(p.command)).toMatchObject({ initialCheck: true, periodicCheck: '5s' });
      // All members listen on 127.0.0.1, so the address is ambiguous and the name decides.
      const name = p.name.replace(/^etcd-/, '');
      expect(p.nodeName).toBe(name);
      expect(mapPodToMember(p, members)).toBe(await selfId(ring, ring.member(name).clientURL));
    }
  });

  test('the label selector and namespace are honoured', async () => {
    const kc = loadKubeConfig({ kubeconfig: kube.kubeconfig });
    expect(await new EtcdPods(kc, { labelSelector: 'component=kube-apiserver' }).list()).toEqual([]);
    expect(await new EtcdPods(kc, { labelSelector: 'component=etcd,tier=control-plane' }).list()).toHaveLength(3);
    expect(await new EtcdPods(kc, { labelSelector: 'component!=etcd' }).list()).toEqual([]);
    expect(await new EtcdPods(kc, { namespace: 'default' }).list()).toEqual([]);
  });

  test('follow() delivers the real log; after a dropped stream it resumes with no line lost or repeated', async () => {
    const followed = 'm2';
    const file = ring.member(followed).logFile;
    const got: PodLogLine[] = [];
    const errors: string[] = [];
    const follow = pods.follow(`etcd-${followed}`, (lines) => got.push(...lines), { onError: (m) => errors.push(m) });
    try {
      await expectWholeLog(ring, got, file, 15_000);
      for (const l of got) {
        expect(l.pod).toBe(`etcd-${followed}`);
        expect(l.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
        expect(typeof (JSON.parse(l.text) as { msg?: unknown }).msg).toBe('string');
      }
      const before = got.length;
      const requestsBefore = kube.logRequests.length;

      // Drop the stream and refuse reconnects for a while; meanwhile the member logs:
      // snapshots (--snapshot-count=10) from writes, then a peer going away and coming back.
      expect(kube.dropConnections({ refuseMs: 1500 })).toBe(1);
      for (let i = 0; i < 30; i++) await ring.etcdctl(['put', `/k8s-logs/${i}`, `v${i}`]);
      await ring.restart('m3');

      await expectWholeLog(ring, got, file, 20_000);
      const fresh = got.slice(before).map((l) => (JSON.parse(l.text) as { msg: string }).msg);
      expect(fresh.length).toBeGreaterThan(0);
      expect(fresh.some((m) => /snapshot|peer/i.test(m))).toBe(true);

      const resumed = kube.logRequests.slice(requestsBefore);
      expect(resumed.some((r) => r.status === 503)).toBe(true);
      expect(resumed.filter((r) => r.status === 200).length).toBeGreaterThan(0);
      expect(resumed.every((r) => r.sinceTime !== null)).toBe(true);
      expect(errors.some((e) => /503/.test(e))).toBe(true);
    } finally {
      follow.close();
    }
    // Closed for good: no reconnects after close().
    const after = kube.logRequests.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(kube.logRequests.length).toBe(after);
    expect(kube.openStreams).toBe(0);
  });

  test('a restarted member shows one restart', async () => {
    // m3 was restarted in the test above.
    const m3 = (await pods.list()).find((p) => p.name === 'etcd-m3');
    expect(m3).toMatchObject({ restarts: 1, phase: 'Running', ready: true });
  });

  test('tailLines starts from the end of the log, then follows', async () => {
    const file = ring.member('m1').logFile;
    const got: PodLogLine[] = [];
    const follow = pods.follow('etcd-m1', (lines) => got.push(...lines), { tailLines: 3 });
    try {
      const isTail = (): boolean => {
        const lines = fileLines(file);
        return got.length >= 3 && got.every((l, i) => l.text === lines[lines.length - got.length + i]);
      };
      await ring.waitFor(isTail, { what: 'the last 3 lines', timeoutMs: 10_000, intervalMs: 100 });
      expect(got.length).toBeLessThan(fileLines(file).length);
      expect(kube.logRequests.filter((r) => r.pod === 'etcd-m1')[0]).toMatchObject({ tailLines: '3', sinceTime: null });
    } finally {
      follow.close();
    }
  });

  test('a wrong token: list() rejects with a clear 401, follow() reports it and delivers nothing', async () => {
    const stranger = new EtcdPods(loadKubeConfig({ kubeconfig: kube.kubeconfig, context: 'wrong-token' }));
    const err = await stranger.list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isRingsideError(err) && err.code).toBe('UNAUTHENTICATED');
    expect(String((err as Error).message)).toMatch(/listing pods in namespace kube-system.*answered 401 Unauthorized: Unauthorized.*credentials were rejected/);
    expect(String((err as Error).message)).not.toContain(kube.token);

    const errors: string[] = [];
    const got: PodLogLine[] = [];
    const follow = stranger.follow('etcd-m1', (lines) => got.push(...lines), { onError: (m) => errors.push(m) });
    try {
      await ring.waitFor(() => errors.length > 0, { what: 'an error report', timeoutMs: 5_000, intervalMs: 50 });
      expect(errors[0]).toMatch(/401/);
      expect(got).toEqual([]);
    } finally {
      follow.close();
    }
  });

  test('an unreachable API server: UNAVAILABLE naming the server; a follower keeps retrying quietly until closed', async () => {
    const [port] = await freePortBlock(1);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-kubeconfig-'));
    try {
      const file = path.join(dir, 'kubeconfig');
      writeFileSync(file, readFileSync(kube.kubeconfig, 'utf8').replace(kube.url, `https://127.0.0.1:${port}`));
      const offline = new EtcdPods(loadKubeConfig({ kubeconfig: file }), { requestTimeoutMs: 2_000 });
      await expect(offline.list()).rejects.toThrow(`cannot reach Kubernetes API https://127.0.0.1:${port}: connect ECONNREFUSED`);
      const errors: string[] = [];
      const follow = offline.follow('etcd-m1', () => undefined, { onError: (m) => errors.push(m) });
      try {
        await ring.waitFor(() => errors.length >= 2, { what: 'a retry', timeoutMs: 5_000, intervalMs: 50 });
        expect(errors[0]).toMatch(/ECONNREFUSED/);
      } finally {
        follow.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('loadKubeConfig says what is wrong', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-kubeconfig-'));
    const env = { KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT: process.env.KUBERNETES_SERVICE_PORT };
    try {
      expect(() => loadKubeConfig({ kubeconfig: '/nope/kubeconfig' })).toThrow('kubeconfig /nope/kubeconfig cannot be read (no such file)');
      expect(() => loadKubeConfig({ kubeconfig: kube.kubeconfig, context: 'prod' })).toThrow(
        `kubeconfig ${kube.kubeconfig} has no context "prod" (it has: fake, wrong-token)`,
      );
      const bad = path.join(dir, 'bad');
      writeFileSync(bad, 'clusters: [ {');
      expect(() => loadKubeConfig({ kubeconfig: bad })).toThrow(`kubeconfig ${bad} is not a valid kubeconfig`);
      const noCurrent = path.join(dir, 'no-current');
      writeFileSync(noCurrent, readFileSync(kube.kubeconfig, 'utf8').replace(/^current-context:.*$/m, ''));
      expect(() => loadKubeConfig({ kubeconfig: noCurrent })).toThrow('has no current-context');
      expect(loadKubeConfig({ kubeconfig: noCurrent, context: 'fake' }).getCurrentContext()).toBe('fake');

      // In a pod without a mounted service account token.
      delete process.env.KUBECONFIG;
      process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
      process.env.KUBERNETES_SERVICE_PORT = '443';
      expect(() => loadKubeConfig({})).toThrow('/var/run/secrets/kubernetes.io/serviceaccount/token is not readable');

      // $KUBECONFIG when nothing else is given.
      delete process.env.KUBERNETES_SERVICE_HOST;
      process.env.KUBECONFIG = kube.kubeconfig;
      expect(loadKubeConfig({}).getCurrentCluster()?.server).toBe(kube.url);
      process.env.KUBECONFIG = path.join(dir, 'missing');
      expect(() => loadKubeConfig({})).toThrow(`$KUBECONFIG names ${path.join(dir, 'missing')} cannot be read`);
    } finally {
      for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
