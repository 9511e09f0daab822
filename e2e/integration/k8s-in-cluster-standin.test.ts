import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { isRingsideError } from '@/lib/errors';
import { EtcdPods, loadKubeConfig, type PodLogLine } from '@/lib/k8s/etcd-pods';
import type { LogsResponse } from '@/lib/query/keys';
import { EtcdRing } from '../harness/ring';
import { generateTls } from '../harness/tls';
import { FakeKube } from '../support/fake-kube';
import { RingsideServer } from '../support/ringside-server';

/**
 * Ringside inside a pod, as far as it can be without a cluster: no kubeconfig anywhere, only what
 * the kubelet gives a pod (KUBERNETES_SERVICE_HOST/PORT and the service account's token, CA and
 * namespace in a directory). The API server is the stand-in (e2e/support/fake-kube.ts: HTTPS with
 * its own CA, bearer-token auth, the real pod-list and pod-log protocol over a real etcd ring);
 * the service account directory is passed through RINGSIDE_SERVICEACCOUNT_DIR, which exists for
 * this test only, since nothing mounts /var/run/secrets/kubernetes.io/serviceaccount here.
 */
describe('in-cluster service account credentials, against the Kubernetes API stand-in', () => {
  let ring: EtcdRing;
  let kube: FakeKube;
  const saved = { ...process.env };

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 3, corruptionChecks: true });
    kube = await FakeKube.start({ members: () => ring.members });
  });
  afterEach(() => {
    for (const k of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'KUBECONFIG']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  afterAll(async () => {
    await kube?.close();
    await ring?.close();
  });

  /** As in a pod: the service's address in the environment, no $KUBECONFIG. */
  const inPod = (env: Record<string, string>) => {
    Object.assign(process.env, env);
    delete process.env.KUBECONFIG;
  };

  test('with only KUBERNETES_SERVICE_HOST/PORT and the token and CA, the etcd pods are listed and a log is followed', async () => {
    const sa = kube.serviceAccount();
    inPod(sa.env);
    const kc = loadKubeConfig({ serviceAccountDir: sa.dir });
    expect(kc.getCurrentCluster()).toMatchObject({ server: kube.url, caFile: path.join(sa.dir, 'ca.crt'), skipTLSVerify: false });
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('ringside');
    const pods = new EtcdPods(kc);
    expect((await pods.list()).map((p) => [p.name, p.phase])).toEqual([
      ['etcd-m1', 'Running'],
      ['etcd-m2', 'Running'],
      ['etcd-m3', 'Running'],
    ]);
    const got: PodLogLine[] = [];
    const follow = pods.follow('etcd-m1', (lines) => got.push(...lines));
    try {
      await ring.waitFor(() => got.length >= 10, { what: "m1's first lines through the log stream", timeoutMs: 15_000, intervalMs: 100 });
    } finally {
      follow.close();
    }
    const file = readFileSync(ring.member('m1').logFile, 'utf8').split('\n');
    expect(got.slice(0, 10).map((l) => l.text)).toEqual(file.slice(0, 10));
    expect(kube.logRequests.some((r) => r.pod === 'etcd-m1' && r.status === 200)).toBe(true);
  });

  test('the stand-in refuses a token it does not know: 401, with the token nowhere in the message', async () => {
    const sa = kube.serviceAccount({ token: 'a-token-of-another-service-account' });
    inPod(sa.env);
    const err = await new EtcdPods(loadKubeConfig({ serviceAccountDir: sa.dir })).list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isRingsideError(err) && err.code).toBe('UNAUTHENTICATED');
    expect(String((err as Error).message)).toMatch(/answered 401 Unauthorized/);
    expect(String((err as Error).message)).not.toContain('a-token-of-another');
  });

  test('the server is verified with the service account CA: another CA is a TLS failure naming the server', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'ringside-other-ca-'));
    try {
      const sa = kube.serviceAccount({ ca: (await generateTls(other)).ca });
      inPod(sa.env);
      await expect(new EtcdPods(loadKubeConfig({ serviceAccountDir: sa.dir })).list()).rejects.toThrow(new RegExp(`${kube.url.replace(/[.]/g, '\\.')}.*(certificate|self.signed|issuer)`, 'i'));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('a missing token, CA or port says which', () => {
    const noToken = kube.serviceAccount();
    unlinkSync(path.join(noToken.dir, 'token'));
    inPod(noToken.env);
    expect(() => loadKubeConfig({ serviceAccountDir: noToken.dir })).toThrow(`the service account token ${path.join(noToken.dir, 'token')} is not readable`);
    const noCa = kube.serviceAccount();
    unlinkSync(path.join(noCa.dir, 'ca.crt'));
    expect(() => loadKubeConfig({ serviceAccountDir: noCa.dir })).toThrow(`the service account CA ${path.join(noCa.dir, 'ca.crt')} cannot be read (no such file)`);
    delete process.env.KUBERNETES_SERVICE_PORT;
    expect(() => loadKubeConfig({ serviceAccountDir: noCa.dir })).toThrow('KUBERNETES_SERVICE_HOST is set but KUBERNETES_SERVICE_PORT is not');
  });

  test('the built server, given no kubeconfig, finds the pods and follows their logs as a pod would', async () => {
    const sa = kube.serviceAccount();
    const home = mkdtempSync(path.join(os.tmpdir(), 'ringside-no-home-'));
    const config = ['clusters:', '  - name: k', `    endpoints: [${ring.endpoints()[0]}]`, '    logs:', '      kubernetes: {}', ''].join('\n');
    // No $KUBECONFIG and an empty home: the service account is the only way in.
    const server = await RingsideServer.start({ rawConfig: config, env: { ...sa.env, RINGSIDE_SERVICEACCOUNT_DIR: sa.dir, KUBECONFIG: '', HOME: home } });
    try {
      let body!: LogsResponse;
      await ring.waitFor(
        async () => {
          body = (await server.json<LogsResponse>('/api/clusters/k/logs?limit=2000')).body;
          const members = new Set(body.lines.map((l) => l.member));
          return body.kubernetes.pods.length === 3 && ['m1', 'm2', 'm3'].every((m) => members.has(m));
        },
        { what: 'lines from all three pods', timeoutMs: 30_000 },
      );
      expect(body.kubernetes.error).toBeNull();
      expect(body.kubernetes.pods.map((p) => [p.name, p.member])).toEqual([
        ['etcd-m1', 'm1'],
        ['etcd-m2', 'm2'],
        ['etcd-m3', 'm3'],
      ]);
      expect(body.lines.every((l) => l.source.startsWith('pod/kube-system/etcd-m'))).toBe(true);
      expect(server.log).not.toContain(kube.token);
    } finally {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
