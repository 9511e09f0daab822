import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LogsResponse } from '@/lib/query/keys';
import { EtcdRing } from '../harness/ring';
import { FakeKube } from '../support/fake-kube';
import { RingsideServer } from '../support/ringside-server';

type Body = LogsResponse;

/**
 * Ringside's Kubernetes log source end to end: the server lists the etcd pods through a
 * kubeconfig, maps each to its member, audits its flags and follows its log. The API server is a
 * stand-in speaking the real protocol over HTTPS with a bearer token; the logs are real etcd's.
 */
describe('logs from etcd pods through the Kubernetes API', () => {
  let ring: EtcdRing;
  let kube: FakeKube;
  let server: RingsideServer;

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 3, corruptionChecks: true });
    kube = await FakeKube.start({ members: () => ring.members });
    const config = [
      'clusters:',
      '  - name: k',
      `    endpoints: [${ring.endpoints()[0]}]`,
      '    logs:',
      '      kubernetes:',
      `        kubeconfig: ${kube.kubeconfig}`,
      '        context: fake',
      '',
    ].join('\n');
    server = await RingsideServer.start({ rawConfig: config });
  });
  afterAll(async () => {
    await server?.stop();
    await kube?.close();
    await ring?.close();
  });

  test('pods are listed, mapped to members, audited from their command, and their lines arrive', async () => {
    let body!: Body;
    await ring.waitFor(async () => {
      body = (await server.json<Body>('/api/clusters/k/logs?limit=2000')).body;
      const members = new Set(body.lines.map((l) => l.member));
      return body.kubernetes.pods.length === 3 && ['m1', 'm2', 'm3'].every((m) => members.has(m));
    }, { what: 'lines from all three pods', timeoutMs: 30_000 });
    expect(body.kubernetes.error).toBeNull();
    expect(body.kubernetes.pods.map((p) => [p.name, p.phase, p.member])).toEqual([
      ['etcd-m1', 'Running', 'm1'],
      ['etcd-m2', 'Running', 'm2'],
      ['etcd-m3', 'Running', 'm3'],
    ]);
    expect(body.lines.every((l) => l.source.startsWith('pod/kube-system/etcd-m'))).toBe(true);
    expect(body.lines.some((l) => l.message === 'enabled corruption checking' && l.category === 'corruption-check')).toBe(true);
    const audits = body.audits.filter((a) => a.source === 'pod-command');
    expect(audits.map((a) => [a.member, a.initialCheck, a.periodicInterval])).toEqual([
      ['m1', true, '5s'],
      ['m2', true, '5s'],
      ['m3', true, '5s'],
    ]);
  });

  test('a line logged after a killed member is followed live', async () => {
    const leader = await ring.leaderName();
    const victim = ring.members.find((m) => m.name !== leader)!.name;
    const url = `/api/clusters/k/logs?member=${leader}&text=${encodeURIComponent('lost TCP streaming connection')}`;
    const before = (await server.json<Body>(url)).body.lines.length;
    await ring.kill(victim);
    await ring.waitFor(async () => (await server.json<Body>(url)).body.lines.length > before, {
      what: `the leader's new line about losing ${victim}`,
      timeoutMs: 20_000,
    });
  });
});
