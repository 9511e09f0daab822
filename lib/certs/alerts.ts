import type { AlertCondition, RuleDef } from '../alerts/rules';
import type { CertificateFinding } from './findings';

/**
 * Certificate findings as alert conditions, for the same tracker, delivery and UI as every other
 * alert. Pure.
 *
 * How they plug in: lib/alerts/rules.ts appends CERTIFICATE_RULES to ALERT_RULES and spreads
 * CERTIFICATE_RULE_DEFS into RULES (a CertificateCondition is then an AlertCondition, and
 * `alerts: { ringsideCertificateExpiry: { disabled: true } }` works like any override); the
 * monitor's pipeline keeps the latest read and passes its findings to `evaluateRules(...)` on every
 * poll: a condition missing from one evaluation resolves its alert, so the findings must be there
 * on every poll, not only when certificates are read (hourly).
 */
export const CERTIFICATE_RULES = ['ringsideCertificateExpiry', 'ringsideCertificateHostMismatch'] as const;
export type CertificateRuleName = (typeof CERTIFICATE_RULES)[number];

export const CERTIFICATE_RULE_DEFS: Record<CertificateRuleName, RuleDef> = {
  ringsideCertificateExpiry: {
    origin: 'ringside',
    forPolls: 0,
    when: 'a certificate a member presents, the CA or Ringside’s client certificate expires within certificates.warnDays (default 30; critical within criticalDays, default 7)',
    summary: 'A certificate is about to expire; once it has, clients and peers refuse the member (kubeadm’s etcd certificates last one year).',
    action: 'Renew it (kubeadm: `kubeadm certs renew etcd-server etcd-peer apiserver-etcd-client`) and restart the members one at a time, checking quorum between them.',
  },
  ringsideCertificateHostMismatch: {
    origin: 'ringside',
    forPolls: 0,
    when: 'the certificate a member presents does not cover the address Ringside reaches it on',
    summary: 'Clients that check host names (Ringside, the API server, etcdctl) refuse the member at this address.',
    action: 'Reissue the member’s certificate with this address in its SANs, or reach the member at an address the certificate names.',
  },
};

export type CertificateCondition = Omit<AlertCondition, 'rule'> & { rule: CertificateRuleName };

/**
 * One expiry condition per member (its soonest-expiring certificate on any endpoint), one for the
 * CA file and one for Ringside's client certificate, at warning or critical; one host-mismatch
 * condition per member endpoint.
 */
export function certificateConditions(findings: readonly CertificateFinding[]): CertificateCondition[] {
  const worst = new Map<string, CertificateFinding>();
  const out: CertificateCondition[] = [];
  for (const f of findings) {
    if (f.kind === 'expiry' && f.level !== 'ok') {
      const subject = f.memberId ?? (f.source === 'ca' ? 'ca' : 'client');
      const held = worst.get(subject);
      if (!held || Date.parse(f.certificate!.notAfter) < Date.parse(held.certificate!.notAfter)) worst.set(subject, f);
    } else if (f.kind === 'host-mismatch') {
      out.push({
        rule: 'ringsideCertificateHostMismatch',
        key: `ringsideCertificateHostMismatch/${f.memberId}/${f.source}`,
        memberId: f.memberId,
        memberName: f.memberName,
        // A member's client and metrics listeners can both be misnamed: two alerts downstream.
        labels: { role: f.source },
        severity: 'warning',
        value: null,
        message: f.message,
      });
    }
  }
  for (const [subject, f] of worst) {
    out.push({
      rule: 'ringsideCertificateExpiry',
      key: `ringsideCertificateExpiry/${subject}`,
      // The CA's and Ringside's own certificate name no member: `role` (as the rule file's series) tells them apart.
      ...(f.memberId ? { memberId: f.memberId, memberName: f.memberName } : { labels: { role: f.source } }),
      severity: f.level === 'critical' ? 'critical' : 'warning',
      value: f.daysLeft!,
      message: f.message,
    });
  }
  return out;
}
