import { certificateFindings, type CertificateFinding, type CertificateSource, type ExpiryThresholds } from './findings';
import type { ClusterCertificates } from './inventory';
import type { CertificateInfo } from './x509';

/**
 * A cluster's certificates as the cluster page shows them: per member and endpoint, each
 * certificate of the chain with its days left and level at `now`, whether the leaf covers the
 * address Ringside reaches the member on, and the findings worth a sentence. Pure; the levels are
 * the findings' (one definition of "critical" for the page and the alerts).
 */
export interface CertificateRow extends CertificateInfo {
  /** 0 the leaf, then its issuers. */
  depth: number;
  /** Whole days until notAfter, rounded down; negative once expired. */
  daysLeft: number;
  level: 'ok' | 'warning' | 'critical';
}

export interface EndpointView {
  source: 'client-url' | 'metrics-url';
  url: string;
  host: string;
  chain: CertificateRow[];
  coversHost: boolean | null;
  verified: boolean;
  verifyError: string | null;
  error: string | null;
}

export interface CertificatesView {
  cluster: string;
  /** null until the first read (shortly after the first poll). */
  checkedAt: string | null;
  checkIntervalMs: number;
  thresholds: ExpiryThresholds;
  members: { memberId: string; memberName: string; endpoints: EndpointView[] }[];
  /** The CA file (tls.ca) and Ringside's own client certificate (tls.cert). */
  ca: CertificateRow[];
  client: CertificateRow[];
  /** What needs a person: expiring soon, a name that does not cover the address, a member not read. */
  findings: CertificateFinding[];
}

export function certificatesView(cluster: string, read: ClusterCertificates | null, settings: ExpiryThresholds & { checkIntervalMs: number }, now: number): CertificatesView {
  const thresholds = { warnDays: settings.warnDays, criticalDays: settings.criticalDays };
  const base = { cluster, checkIntervalMs: settings.checkIntervalMs, thresholds };
  if (!read) return { ...base, checkedAt: null, members: [], ca: [], client: [], findings: [] };
  const findings = certificateFindings(read, thresholds, now);
  const rows = (source: CertificateSource, memberId?: string, endpoint?: string): CertificateRow[] =>
    findings
      .filter((f) => f.kind === 'expiry' && f.source === source && f.memberId === memberId && f.endpoint === endpoint)
      .map((f) => ({ ...f.certificate!, daysLeft: f.daysLeft!, level: f.level }))
      .sort((a, b) => a.depth - b.depth);
  return {
    ...base,
    checkedAt: read.checkedAt,
    members: read.members.map((m) => ({
      memberId: m.memberId,
      memberName: m.memberName,
      endpoints: m.endpoints.map((e) => ({
        source: e.source,
        url: e.url,
        host: e.host,
        chain: rows(e.source, m.memberId, e.url),
        coversHost: e.coversHost,
        verified: e.verified,
        verifyError: e.verifyError,
        error: e.error,
      })),
    })),
    ca: rows('ca'),
    client: rows('client-cert'),
    findings: findings.filter((f) => f.level !== 'ok'),
  };
}
