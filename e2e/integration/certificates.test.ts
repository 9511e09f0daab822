import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '@/lib/alerts/tracker';
import type { CertificatesView } from '@/lib/api/contract';
import { certificateConditions } from '@/lib/certs/alerts';
import { certificateFindings } from '@/lib/certs/findings';
import { readClusterCertificates, targetsOf } from '@/lib/certs/inventory';
import type { TlsMaterial } from '@/lib/config/types';
import { ClusterMonitor } from '@/lib/monitor/cluster-monitor';
import type { RingState } from '@/lib/ring/types';
import { EtcdRing, freePortBlock, parseJsonBig } from '../harness/ring';
import { RingsideServer } from '../support/ringside-server';
import { WebhookReceiver } from '../support/webhook-receiver';

const THRESHOLDS = { warnDays: 30, criticalDays: 7 };
const material = (ring: EtcdRing): TlsMaterial => ({ ca: readFileSync(ring.tls!.ca), cert: readFileSync(ring.tls!.cert), key: readFileSync(ring.tls!.key) });
/** openssl's own word on a certificate's end, as an ISO time. */
const opensslNotAfter = (file: string) => new Date(execFileSync('openssl', ['x509', '-in', file, '-noout', '-enddate'], { encoding: 'utf8' }).trim().replace(/^notAfter=/, '')).toISOString();

describe('certificate expiry, read from real TLS members without touching them', () => {
  let short: EtcdRing;
  let misnamed: EtcdRing;

  beforeAll(async () => {
    // CA, server and client certificates all made with `openssl -days 3`.
    short = await EtcdRing.start({ size: 3, name: 'c', tls: true, tlsOptions: { days: 3 } });
    // A member whose certificate names another host than the one Ringside reaches it on.
    misnamed = await EtcdRing.start({ size: 1, name: 'x', tls: true, tlsOptions: { serverSans: 'DNS:etcd-1.example.internal' } });
  });
  afterAll(async () => {
    await Promise.all([short?.close(), misnamed?.close()]);
  });

  test('certificates that expire in 3 days: each member critical, named with the date and the time left; the CA and Ringside’s client certificate too', async () => {
    const tls = material(short);
    const monitor = new ClusterMonitor({ name: 'short', endpoints: short.endpoints(), tls, metrics: { enabled: false, urls: {}, scheme: 'http' } }, { pollIntervalMs: 1000, requestTimeoutMs: 800, hashCheckIntervalMs: 0 });
    let state!: RingState;
    try {
      await short.waitFor(async () => (state = await monitor.pollNow()).members.filter((m) => m.reachable).length === 3, { what: 'three TLS members answering' });
    } finally {
      await monitor.stop();
    }

    const now = Date.now();
    const certs = await readClusterCertificates({ cluster: 'short', tls, members: targetsOf(state), timeoutMs: 2000, now });
    const notAfter = opensslNotAfter(short.tls!.serverCert);
    expect(certs.members.map((m) => m.memberName).sort()).toEqual(['c1', 'c2', 'c3']);
    for (const m of certs.members) {
      // The metrics listener is plain HTTP here: only the client URL has certificates.
      expect(m.endpoints).toHaveLength(1);
      const [e] = m.endpoints;
      expect(e).toMatchObject({ source: 'client-url', url: short.member(m.memberName).clientURL, verified: true, verifyError: null, coversHost: true, error: null });
      expect(e.chain[0]).toMatchObject({ subject: 'CN=localhost', issuer: 'CN=ringside-test-ca', sans: ['IP Address:127.0.0.1', 'DNS:localhost'], notAfter });
      // Completed by the CA it verified against, which expires with it.
      expect(e.chain.slice(1).map((c) => [c.subject, c.isCA])).toEqual([['CN=ringside-test-ca', true]]);
    }
    expect(certs.ca.map((c) => [c.subject, c.isCA])).toEqual([['CN=ringside-test-ca', true]]);
    expect(certs.client.map((c) => c.subject)).toEqual(['CN=ringside-client']);

    const findings = certificateFindings(certs, THRESHOLDS, now);
    const date = `${notAfter.slice(0, 10)} ${notAfter.slice(11, 16)} UTC`;
    const members = findings.filter((f) => f.memberName && f.certificate?.depth === 0).sort((a, b) => a.memberName!.localeCompare(b.memberName!));
    expect(members.map((f) => [f.memberName, f.kind, f.level, f.daysLeft])).toEqual([
      ['c1', 'expiry', 'critical', 2],
      ['c2', 'expiry', 'critical', 2],
      ['c3', 'expiry', 'critical', 2],
    ]);
    for (const f of members) expect(f.message).toBe(`${f.memberName}: server certificate CN=localhost on ${short.member(f.memberName!).clientURL} expires on ${date}, in 2 days 23 hours`);
    expect(findings.filter((f) => f.memberName && f.certificate?.depth === 1).map((f) => f.message).sort()).toEqual(
      members.map((f) => expect.stringMatching(new RegExp(`^${f.memberName}: CA certificate in the chain CN=ringside-test-ca on https://\\S+ expires on .* UTC, in 2 days 23 hours$`))),
    );
    expect(findings.filter((f) => !f.memberName).map((f) => [f.source, f.level])).toEqual([
      ['ca', 'critical'],
      ['client-cert', 'critical'],
    ]);

    // As alerts: a critical one per member, the CA and the client certificate, each saying when.
    const conditions = certificateConditions(findings);
    expect(conditions.map((c) => [c.rule, c.severity, c.memberName ?? c.key]).sort()).toEqual([
      ['ringsideCertificateExpiry', 'critical', 'c1'],
      ['ringsideCertificateExpiry', 'critical', 'c2'],
      ['ringsideCertificateExpiry', 'critical', 'c3'],
      ['ringsideCertificateExpiry', 'critical', 'ringsideCertificateExpiry/ca'],
      ['ringsideCertificateExpiry', 'critical', 'ringsideCertificateExpiry/client'],
    ]);
    for (const c of conditions) expect(c.message).toContain(`on ${date}, in 2 days 23 hours`);
  });

  test('a certificate that does not cover the address is named, its chain read although verification fails; a member that does not answer says why', async () => {
    const tls = material(misnamed);
    const x1 = misnamed.member('x1');
    // etcdctl checks host names too: the member ID only comes without that check.
    const status = await misnamed.etcdctl(['endpoint', 'status', '-w', 'json', '--insecure-skip-tls-verify']);
    expect(status.code, status.stderr).toBe(0);
    const memberId = BigInt((parseJsonBig(status.stdout) as { Status: { header: { member_id: string } } }[])[0].Status.header.member_id).toString(16);
    const [closed] = await freePortBlock(1);

    const certs = await readClusterCertificates({
      cluster: 'misnamed',
      tls,
      members: [
        { memberId, memberName: 'x1', clientURL: x1.clientURL, metricsURL: x1.metricsURL },
        { memberId: 'dead', memberName: 'x2', clientURL: `https://127.0.0.1:${closed}`, metricsURL: null },
      ],
      timeoutMs: 2000,
      now: Date.now(),
    });
    const [e] = certs.members[0].endpoints;
    expect(e).toMatchObject({ verified: false, verifyError: 'ERR_TLS_CERT_ALTNAME_INVALID', coversHost: false, error: null });
    expect(e.chain[0].sans).toEqual(['DNS:etcd-1.example.internal']);

    const findings = certificateFindings(certs, THRESHOLDS, Date.now());
    const host = new URL(x1.clientURL).hostname;
    expect(findings.filter((f) => f.kind !== 'expiry').map((f) => [f.memberName, f.kind, f.message])).toEqual([
      ['x1', 'host-mismatch', `x1: the certificate on ${x1.clientURL} does not cover ${host}, the address Ringside reaches it on (it names DNS:etcd-1.example.internal)`],
      ['x2', 'unreadable', `x2: no certificate read from https://127.0.0.1:${closed}: connection refused`],
    ]);
    // Ten years left: no expiry alert, one host-mismatch warning for x1.
    expect(certificateConditions(findings).map((c) => [c.rule, c.severity, c.memberId])).toEqual([['ringsideCertificateHostMismatch', 'warning', memberId]]);
  });

  test('through the running server: the critical expiry alert names each member and the date, reaches a webhook, and the certificates route and /api/metrics show the days left', async () => {
    const receiver = await WebhookReceiver.start();
    const tls = { ca: short.tls!.ca, cert: short.tls!.cert, key: short.tls!.key };
    let server: RingsideServer | undefined;
    try {
      server = await RingsideServer.start({
        clusters: [{ name: 'short', endpoints: [short.endpoints()[0]], tls, metrics: { enabled: false } }],
        extraYaml: ['notifications:', '  externalURL: https://ringside.example.test', '  webhooks:', `    - { name: ops, url: "${receiver.url('/hook')}" }`].join('\n'),
      });
      const notAfter = opensslNotAfter(short.tls!.serverCert);
      const date = `${notAfter.slice(0, 10)} ${notAfter.slice(11, 16)} UTC`;
      const s = server;
      const expiry = async () => (await s.json<{ alerts: Alert[] }>('/api/clusters/short/alerts')).body.alerts.filter((a) => a.rule === 'ringsideCertificateExpiry');
      // Read once the first poll has found the members; judged from the next poll on, firing at once.
      await short.waitFor(async () => (await expiry()).filter((a) => a.state === 'firing').length === 5, { what: 'five expiry alerts firing', timeoutMs: 20_000 });
      const alerts = await expiry();
      expect(alerts.map((a) => [a.memberName ?? a.id.split('/').at(-1), a.severity]).sort()).toEqual([
        ['c1', 'critical'],
        ['c2', 'critical'],
        ['c3', 'critical'],
        ['ca', 'critical'],
        ['client', 'critical'],
      ]);
      for (const a of alerts) expect(a.message).toContain(`on ${date}, in 2 days 23 hours`);
      // The member's soonest-expiring certificate: here the CA in its chain, made a moment before the server's.
      const shown = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      for (const m of ['c1', 'c2', 'c3']) {
        expect(alerts.find((a) => a.memberName === m)!.message).toMatch(new RegExp(`^${m}: (server certificate CN=localhost|CA certificate in the chain CN=ringside-test-ca) on ${shown(short.member(m).clientURL)} expires on ${date}, in 2 days 23 hours$`));
      }

      // Delivered like any other alert: one per member (and the CA, and Ringside's own), critical.
      await short.waitFor(() => receiver.accepted('/hook').length >= 5, { what: 'five expiry alerts at the webhook', timeoutMs: 20_000 });
      const bodies = receiver.accepted('/hook').map((r) => JSON.parse(r.body.toString()) as { status: string; labels: Record<string, string>; annotations: Record<string, string> });
      const members = bodies.filter((b) => b.labels.alertname === 'ringsideCertificateExpiry' && b.labels.member);
      expect(members.map((b) => [b.labels.member, b.labels.severity, b.status]).sort()).toEqual([
        ['c1', 'critical', 'firing'],
        ['c2', 'critical', 'firing'],
        ['c3', 'critical', 'firing'],
      ]);
      for (const b of members) expect(b.annotations.summary).toContain(`expires on ${date}`);
      // The CA's and Ringside's own certificate name no member: their role tells them apart downstream.
      expect(bodies.filter((b) => !b.labels.member).map((b) => b.labels.role).sort()).toEqual(['ca', 'client-cert']);

      const view = (await s.json<CertificatesView>('/api/clusters/short/certificates')).body;
      expect(view.thresholds).toEqual(THRESHOLDS);
      expect(view.members.map((m) => [m.memberName, m.endpoints.map((e) => [e.source, e.coversHost, e.chain[0].daysLeft, e.chain[0].level, e.chain[0].notAfter])]).sort()).toEqual(
        ['c1', 'c2', 'c3'].map((m) => [m, [['client-url', true, 2, 'critical', notAfter]]]),
      );
      expect([...view.ca, ...view.client].map((c) => [c.subject, c.daysLeft, c.level])).toEqual([
        ['CN=ringside-test-ca', 2, 'critical'],
        ['CN=ringside-client', 2, 'critical'],
      ]);

      const metrics = await (await fetch(`${s.url}/api/metrics`)).text();
      const id = view.members.find((m) => m.memberName === 'c1')!.memberId;
      expect(metrics).toContain(`ringside_certificate_expiry_timestamp_seconds{cluster="short",member="c1",member_id="${id}",role="client-url",depth="0",subject="CN=localhost"} ${Date.parse(notAfter) / 1000}`);
      expect(metrics).toContain(`ringside_certificate_host_covered{cluster="short",member="c1",member_id="${id}",role="client-url"} 1`);
      // The key stays in the server: the path of the file names it, its bytes appear nowhere.
      const key = readFileSync(short.tls!.key, 'utf8').split('\n').find((l) => l && !l.startsWith('-----'))!;
      for (const t of [metrics, JSON.stringify(view), server.log]) expect(t.includes(key)).toBe(false);
    } finally {
      await server?.stop();
      await receiver.stop();
    }
  });
});
