import { oneLine } from '../text/markdown';
import type { ClusterCertificates } from './inventory';
import type { CertificateInfo } from './x509';

/**
 * What a person should know about a cluster's certificates, one finding per certificate and
 * problem, each in one sentence that names the member, the date and the days left. Pure.
 */

export type CertificateSource = 'client-url' | 'metrics-url' | 'ca' | 'client-cert';

export interface CertificateFinding {
  cluster: string;
  memberId?: string;
  memberName?: string;
  source: CertificateSource;
  /** The URL reached, for a presented chain. */
  endpoint?: string;
  kind: 'expiry' | 'host-mismatch' | 'unreadable';
  /** expiry: by the days left; the other kinds are warnings. */
  level: 'ok' | 'warning' | 'critical';
  /** The certificate concerned and its place in the chain (0 the leaf). */
  certificate?: CertificateInfo & { depth: number };
  /** Whole days until notAfter, rounded down; negative once expired. */
  daysLeft?: number;
  message: string;
}

export interface ExpiryThresholds {
  warnDays: number;
  criticalDays: number;
}

const DAY = 86_400_000;

const what: Record<CertificateSource, string> = {
  'client-url': 'server certificate',
  'metrics-url': 'metrics certificate',
  ca: 'CA certificate (tls.ca)',
  'client-cert': 'Ringside’s client certificate (tls.cert)',
};

export function certificateFindings(c: ClusterCertificates, t: ExpiryThresholds, now: number): CertificateFinding[] {
  const out: CertificateFinding[] = [];
  const expiry = (base: Omit<CertificateFinding, 'kind' | 'level' | 'message'>, cert: CertificateInfo, depth: number, who: string) => {
    const leftMs = Date.parse(cert.notAfter) - now;
    const daysLeft = Math.floor(leftMs / DAY);
    // "Within 7 days" as a person reads it: 7.0 days left is critical, expired is critical too.
    const level = leftMs <= t.criticalDays * DAY ? 'critical' : leftMs <= t.warnDays * DAY ? 'warning' : 'ok';
    const name = depth === 0 ? what[base.source] : base.source === 'client-cert' ? 'certificate in Ringside’s client chain (tls.cert)' : `${cert.isCA ? 'CA' : 'intermediate'} certificate in the chain`;
    out.push({
      ...base,
      kind: 'expiry',
      level,
      certificate: { ...cert, depth },
      daysLeft,
      message: `${who}${name} ${show(cert.subject)}${base.endpoint ? ` on ${base.endpoint}` : ''} ${leftMs <= 0 ? 'expired' : 'expires'} ${day(cert.notAfter)}, ${remaining(leftMs)}`,
    });
  };

  for (const m of c.members) {
    const who = `${show(m.memberName)}: `;
    for (const e of m.endpoints) {
      const base = { cluster: c.cluster, memberId: m.memberId, memberName: m.memberName, source: e.source, endpoint: e.url };
      if (!e.chain.length) {
        out.push({ ...base, kind: 'unreadable', level: 'warning', message: `${who}no certificate read from ${e.url}: ${e.error ?? 'nothing presented'}` });
        continue;
      }
      e.chain.forEach((cert, depth) => expiry(base, cert, depth, who));
      if (e.coversHost === false) {
        const leaf = e.chain[0];
        out.push({
          ...base,
          kind: 'host-mismatch',
          level: 'warning',
          certificate: { ...leaf, depth: 0 },
          message: `${who}the certificate on ${e.url} does not cover ${e.host}, the address Ringside reaches it on (it names ${leaf.sans.length ? leaf.sans.map(show).join(', ') : `only ${show(leaf.subject)}`})`,
        });
      }
    }
  }
  c.ca.forEach((cert) => expiry({ cluster: c.cluster, source: 'ca' }, cert, 0, ''));
  c.client.forEach((cert, depth) => expiry({ cluster: c.cluster, source: 'client-cert' }, cert, depth, ''));
  return out;
}

/** Subjects and names come from whoever made the certificate: one line, bounded. */
function show(s: string): string {
  const line = oneLine(s);
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

/** "on 2026-11-26 03:00 UTC" */
function day(iso: string): string {
  return `on ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const HOUR = 3_600_000;
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "in 45 days", "in 2 days 23 hours" (to the hour when it is close), "in 40 minutes", "3 days ago". */
function remaining(ms: number): string {
  const abs = Math.abs(ms);
  const days = Math.floor(abs / DAY);
  const hours = Math.floor((abs % DAY) / HOUR);
  const text =
    days >= 7 ? plural(days, 'day') : days >= 1 ? `${plural(days, 'day')}${hours ? ` ${plural(hours, 'hour')}` : ''}` : hours >= 1 ? plural(hours, 'hour') : plural(Math.floor(abs / 60_000), 'minute');
  return ms <= 0 ? `${text} ago` : `in ${text}`;
}
