import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { AlertTracker } from '../alerts/tracker';
import { fingerprintOf, labelsOf } from '../notify/alert';
import { certificateConditions } from './alerts';
import { certificateFindings } from './findings';
import type { ClusterCertificates } from './inventory';
import { coversHost, describeCertificate, parsePemCertificates } from './x509';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'testdata', name));
const [server] = parsePemCertificates(fixture('server.crt'));
const [ca] = parsePemCertificates(fixture('ca.crt'));
const [client] = parsePemCertificates(fixture('client.crt'));
const [otherNames] = parsePemCertificates(fixture('other-names.crt'));
const DAY = 86_400_000;
const HOUR = 3_600_000;
const notAfter = Date.parse(describeCertificate(server).notAfter);

describe('reading certificates (real openssl output, testdata/capture.ts)', () => {
  test('subject, issuer, SANs, validity and CA flag', () => {
    const info = describeCertificate(server);
    expect(info).toMatchObject({ subject: 'CN=localhost', issuer: 'CN=ringside-test-ca', sans: ['IP Address:127.0.0.1', 'DNS:localhost'], isCA: false });
    expect(info.notAfter).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(Date.parse(info.notAfter) - Date.parse(info.notBefore)).toBe(90 * DAY);
    expect(info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(describeCertificate(ca)).toMatchObject({ subject: 'CN=ringside-test-ca', isCA: true, sans: [] });
  });

  test('every certificate of a PEM bundle, and never a key block beside them', () => {
    expect(parsePemCertificates(fixture('chain.pem')).map((c) => c.subject)).toEqual(['CN=localhost', 'CN=ringside-test-ca']);
    const combined = `${fixture('client.crt')}-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n`;
    expect(parsePemCertificates(combined).map((c) => c.subject)).toEqual(['CN=ringside-client']);
    expect(parsePemCertificates('not a certificate')).toEqual([]);
  });

  test('whether a certificate covers the address it is reached on', () => {
    expect(['127.0.0.1', 'localhost', 'LOCALHOST'].map((h) => coversHost(server, h))).toEqual([true, true, true]);
    expect(['127.0.0.2', '[::1]', 'etcd-1.example.internal'].map((h) => coversHost(server, h))).toEqual([false, false, false]);
    expect(['etcd-1.example.internal', '10.0.0.1', 'localhost', '127.0.0.1'].map((h) => coversHost(otherNames, h))).toEqual([true, true, false, false]);
  });
});

function cluster(over: Partial<ClusterCertificates> = {}): ClusterCertificates {
  const chain = [describeCertificate(server)];
  const endpoint = (url: string, host: string, coversHost: boolean, source: 'client-url' | 'metrics-url' = 'client-url') => ({
    source,
    url,
    host,
    chain,
    coversHost,
    verified: coversHost,
    verifyError: coversHost ? null : 'ERR_TLS_CERT_ALTNAME_INVALID',
    error: null,
  });
  return {
    cluster: 'prod',
    checkedAt: new Date(notAfter - 3 * DAY).toISOString(),
    members: [
      { memberId: 'a1', memberName: 'm1', endpoints: [endpoint('https://localhost:2379', 'localhost', true)] },
      { memberId: 'b2', memberName: 'm2', endpoints: [endpoint('https://127.0.0.1:2379', '127.0.0.1', true), endpoint('https://127.0.0.1:2381', '127.0.0.1', true, 'metrics-url')] },
    ],
    ca: [describeCertificate(ca)],
    client: [describeCertificate(client)],
    ...over,
  };
}

const T = { warnDays: 30, criticalDays: 7 };
const day = new Date(notAfter).toISOString().slice(0, 10);
const time = new Date(notAfter).toISOString().slice(11, 16);

describe('findings', () => {
  test('three days before expiry: every certificate critical, each member named with the date and what is left', () => {
    const now = notAfter - 3 * DAY + HOUR;
    const f = certificateFindings(cluster(), T, now);
    expect(f.map((x) => [x.memberName ?? x.source, x.source, x.kind, x.level, x.daysLeft])).toEqual([
      ['m1', 'client-url', 'expiry', 'critical', 2],
      ['m2', 'client-url', 'expiry', 'critical', 2],
      ['m2', 'metrics-url', 'expiry', 'critical', 2],
      ['ca', 'ca', 'expiry', 'critical', 2],
      ['client-cert', 'client-cert', 'expiry', 'critical', 2],
    ]);
    expect(f[0].message).toBe(`m1: server certificate CN=localhost on https://localhost:2379 expires on ${day} ${time} UTC, in 2 days 23 hours`);
    expect(f[2].message).toBe(`m2: metrics certificate CN=localhost on https://127.0.0.1:2381 expires on ${day} ${time} UTC, in 2 days 23 hours`);
    expect(f[3].message).toMatch(/^CA certificate \(tls\.ca\) CN=ringside-test-ca expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC, in 2 days 23 hours$/);
    expect(f[4].message).toMatch(/^Ringside’s client certificate \(tls\.cert\) CN=ringside-client expires on /);
  });

  test('levels follow the thresholds, as a person reads "within 7 days"; expired is critical and says how long ago', () => {
    const level = (leftMs: number, t = T) => certificateFindings(cluster(), t, notAfter - leftMs)[0];
    expect(level(45 * DAY)).toMatchObject({ level: 'ok', daysLeft: 45 });
    expect(level(45 * DAY).message).toMatch(/, in 45 days$/);
    expect(level(30 * DAY)).toMatchObject({ level: 'warning', daysLeft: 30 });
    expect(level(7 * DAY + HOUR)).toMatchObject({ level: 'warning', daysLeft: 7 });
    expect(level(7 * DAY)).toMatchObject({ level: 'critical', daysLeft: 7 });
    expect(level(5 * HOUR).message).toMatch(/, in 5 hours$/);
    expect(level(-DAY - HOUR)).toMatchObject({ level: 'critical', daysLeft: -2 });
    expect(level(-DAY - HOUR).message).toMatch(/ expired on .*, 1 day 1 hour ago$/);
    expect(level(45 * DAY, { warnDays: 60, criticalDays: 14 })).toMatchObject({ level: 'warning' });
  });

  test('a certificate that does not cover the address Ringside reaches the member on is named', () => {
    const c = cluster({
      members: [{ memberId: 'c3', memberName: 'm3', endpoints: [{ source: 'client-url', url: 'https://localhost:2379', host: 'localhost', chain: [describeCertificate(otherNames)], coversHost: false, verified: false, verifyError: 'ERR_TLS_CERT_ALTNAME_INVALID', error: null }] }],
    });
    const mismatch = certificateFindings(c, T, notAfter - 60 * DAY).filter((f) => f.kind === 'host-mismatch');
    expect(mismatch).toEqual([
      expect.objectContaining({
        memberId: 'c3',
        level: 'warning',
        message: 'm3: the certificate on https://localhost:2379 does not cover localhost, the address Ringside reaches it on (it names DNS:etcd-1.example.internal, IP Address:10.0.0.1)',
      }),
    ]);
  });

  test('a member whose certificate cannot be read says why; a hostile name stays on one line', () => {
    const c = cluster({ members: [{ memberId: 'd4', memberName: 'm4\n# x', endpoints: [{ source: 'client-url', url: 'https://localhost:2399', host: 'localhost', chain: [], coversHost: null, verified: false, verifyError: null, error: 'connection refused' }] }] });
    expect(certificateFindings(c, T, notAfter - 60 * DAY)[0]).toMatchObject({ kind: 'unreadable', level: 'warning', message: 'm4\\n# x: no certificate read from https://localhost:2399: connection refused' });
  });
});

describe('alert conditions', () => {
  test('one expiry condition per member (its soonest certificate), one for the CA, one for the client certificate; none while all is well', () => {
    const now = notAfter - 3 * DAY;
    const conds = certificateConditions(certificateFindings(cluster(), T, now));
    expect(conds.map((c) => [c.key, c.rule, c.severity, c.memberName ?? null, c.value])).toEqual([
      ['ringsideCertificateExpiry/a1', 'ringsideCertificateExpiry', 'critical', 'm1', 3],
      ['ringsideCertificateExpiry/b2', 'ringsideCertificateExpiry', 'critical', 'm2', 3],
      ['ringsideCertificateExpiry/ca', 'ringsideCertificateExpiry', 'critical', null, 3],
      ['ringsideCertificateExpiry/client', 'ringsideCertificateExpiry', 'critical', null, 3],
    ]);
    expect(conds[0].message).toContain(`expires on ${day}`);
    expect(certificateConditions(certificateFindings(cluster(), T, notAfter - 20 * DAY)).map((c) => c.severity)).toEqual(['warning', 'warning', 'warning', 'warning']);
    expect(certificateConditions(certificateFindings(cluster(), T, notAfter - 60 * DAY))).toEqual([]);
  });

  test('delivered as four alerts, not three: the CA’s and Ringside’s own certificate, which name no member, differ by their role label', () => {
    const tracker = new AlertTracker('prod', { pollIntervalMs: 1000 });
    const now = notAfter - 3 * DAY;
    tracker.update(certificateConditions(certificateFindings(cluster(), T, now)), now);
    const labels = tracker.firing().map(labelsOf);
    expect(labels.filter((l) => !l.member).map((l) => l.role).sort()).toEqual(['ca', 'client-cert']);
    expect(new Set(labels.map(fingerprintOf)).size).toBe(4);
    // Ringside's own labels always win over a producer's.
    expect(labelsOf({ ...tracker.firing()[0], labels: { alertname: 'x', cluster: 'y', role: 'ca' } })).toMatchObject({ alertname: 'ringsideCertificateExpiry', cluster: 'prod', role: 'ca' });
  });

  test('a host mismatch is a warning condition per member endpoint', () => {
    const c = cluster();
    c.members[0].endpoints[0] = { ...c.members[0].endpoints[0], coversHost: false };
    const conds = certificateConditions(certificateFindings(c, T, notAfter - 60 * DAY));
    expect(conds).toEqual([
      expect.objectContaining({ rule: 'ringsideCertificateHostMismatch', key: 'ringsideCertificateHostMismatch/a1/client-url', severity: 'warning', memberId: 'a1', memberName: 'm1', labels: { role: 'client-url' } }),
    ]);
  });
});
