import { stringify } from 'yaml';
import { CERTIFICATE_RULE_DEFS } from '../certs/alerts';
import { RULES } from './rules';

/**
 * Ringside's alerts as a Prometheus rule file over Ringside's own /api/metrics series, for teams
 * whose Prometheus already scrapes Ringside (README "Ringside's own metrics"), and the same groups
 * as a Kubernetes PrometheusRule (prometheus-operator). Pure; served as GET
 * /api/alerts/rules.yaml, and checked by `promtool check rules` and
 * `promtool test rules` (e2e/integration/prometheus-rules.test.ts).
 *
 * The alert names are Ringside's own, so a page reads the same whichever evaluated it; use one or
 * the other for a given cluster, or Alertmanager sees two alerts (Prometheus adds job and instance).
 * `for` is etcd-mixin's, as Prometheus evaluates at the mixin's pace. Not carried over, for want of
 * a series: the disk and peer latency rules (scrape etcd's own /metrics for those, with
 * etcd-mixin), etcdHighNumberOfFailedProposals, etcdDatabaseQuotaLowSpace and
 * etcdExcessiveDatabaseGrowth (no quota series), and ringsideLeaderDisagreement.
 *
 * Series it reads besides the ring's (lib/monitor/prometheus.ts exports them):
 * - ringside_certificate_expiry_timestamp_seconds{cluster, member, member_id, role, depth, subject}
 *   notAfter of every certificate lib/certs reads (role: its CertificateSource, client-url,
 *   metrics-url, ca or client-cert; member and member_id empty for ca and client-cert; not
 *   `source`, which every rule sets to ringside)
 * - ringside_certificate_host_covered{cluster, member, member_id, role}: 1, or 0 when the leaf
 *   does not cover the address Ringside reaches the member on
 * - ringside_notification_queued{receiver, kind}, ringside_notification_sent_total,
 *   ringside_notification_failures_total, ringside_notification_dropped_total,
 *   ringside_notification_last_success_timestamp_seconds,
 *   ringside_notification_last_failure_timestamp_seconds (same labels), from Notifier.status()
 * And the backup work's (its rules never fire until it exports them):
 * ringside_backup_last_success_timestamp_seconds{cluster}, and for restore drills
 * ringside_backup_drill_failing{cluster} (1 while the latest drill failed).
 */

export interface RuleFileOptions {
  /** certificates.warnDays and criticalDays from the config. */
  certificates: { warnDays: number; criticalDays: number };
  /** A cluster whose last good backup is older than this is stale; default 25 hours (daily backups and some slack). */
  backupMaxAgeHours?: number;
  /** The scrape job of Ringside's /api/metrics, for RingsideDown; default "ringside". */
  job?: string;
  /** Alert names turned off in the config (`alerts: { name: { disabled: true } }`): left out here too. */
  disabled?: readonly string[];
}

interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; action: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertingRule[];
}

const DAY_S = 86_400;

function rule(alert: string, expr: string, opts: { for?: string; severity: 'warning' | 'critical'; summary: string; description: string; action: string }): AlertingRule {
  return {
    alert,
    expr,
    ...(opts.for ? { for: opts.for } : {}),
    labels: { severity: opts.severity, source: 'ringside' },
    annotations: { summary: opts.summary, description: opts.description, action: opts.action },
  };
}

/** A Ringside rule's words, on Prometheus' terms. */
const from = (name: keyof typeof RULES, summary: string) => ({ summary, description: RULES[name].summary, action: RULES[name].action });

export function prometheusRuleGroups(opts: RuleFileOptions): RuleGroup[] {
  const off = new Set(opts.disabled ?? []);
  return allGroups(opts)
    .map((g) => ({ ...g, rules: g.rules.filter((r) => !off.has(r.alert)) }))
    .filter((g) => g.rules.length);
}

function allGroups(opts: RuleFileOptions): RuleGroup[] {
  const { warnDays, criticalDays } = opts.certificates;
  const backupMaxAgeS = Math.round((opts.backupMaxAgeHours ?? 25) * 3600);
  const job = opts.job ?? 'ringside';
  const left = '(ringside_certificate_expiry_timestamp_seconds - time())';
  const certText = CERTIFICATE_RULE_DEFS.ringsideCertificateExpiry;
  const certSummary = '{{ $labels.cluster }}{{ with $labels.member }} {{ . }}{{ end }}: {{ $labels.role }} certificate {{ $labels.subject }} expires in {{ $value | humanizeDuration }}';
  return [
    {
      name: 'ringside-etcd',
      rules: [
        rule('etcdNoLeader', 'ringside_cluster_has_leader == 0', {
          for: '1m',
          severity: 'critical',
          ...from('etcdNoLeader', '{{ $labels.cluster }}: no leader'),
          description: 'No member follows a leader: the ring cannot serve linearizable reads or writes.',
        }),
        rule('etcdInsufficientMembers', 'ringside_cluster_has_quorum == 0', { for: '3m', severity: 'critical', ...from('etcdInsufficientMembers', '{{ $labels.cluster }}: quorum lost') }),
        rule('etcdMembersDown', 'ringside_member_up == 0', { for: '10m', severity: 'critical', ...from('etcdMembersDown', '{{ $labels.cluster }}: member {{ $labels.member }} is down') }),
        // A leader change flips two series (the old leader to 0, the new one to 1).
        rule('etcdHighNumberOfLeaderChanges', 'sum by (cluster) (changes(ringside_member_is_leader[15m])) / 2 >= 4', {
          for: '5m',
          severity: 'warning',
          ...from('etcdHighNumberOfLeaderChanges', '{{ $labels.cluster }}: {{ $value }} leader changes in 15 minutes'),
        }),
        rule('etcdDatabaseHighFragmentationRatio', '(ringside_member_db_size_in_use_bytes / ringside_member_db_size_bytes) < 0.5 and ringside_member_db_size_in_use_bytes > 104857600', {
          for: '10m',
          severity: 'warning',
          ...from('etcdDatabaseHighFragmentationRatio', '{{ $labels.cluster }}: member {{ $labels.member }}’s db is mostly free pages'),
        }),
        rule('ringsideCorruptAlarm', 'ringside_alarm_active{alarm="CORRUPT"} == 1', { severity: 'critical', ...from('ringsideCorruptAlarm', '{{ $labels.cluster }}: CORRUPT alarm (member ID {{ $labels.member_id }})') }),
        rule('ringsideNospaceAlarm', 'ringside_alarm_active{alarm="NOSPACE"} == 1', { severity: 'critical', ...from('ringsideNospaceAlarm', '{{ $labels.cluster }}: NOSPACE alarm (member ID {{ $labels.member_id }})') }),
        rule('ringsideHashMismatch', 'ringside_hashkv_consistent == 0', { severity: 'critical', ...from('ringsideHashMismatch', '{{ $labels.cluster }}: members hold different data at the same revision') }),
        // The leader's raft index, per cluster, against every member's applied index.
        rule(
          'ringsideApplyBehind',
          'max by (cluster) (ringside_member_raft_index * on (cluster, member, member_id) ringside_member_is_leader) - on (cluster) group_right ringside_member_raft_applied_index > 1000',
          { for: '5m', severity: 'warning', ...from('ringsideApplyBehind', '{{ $labels.cluster }}: member {{ $labels.member }} is {{ $value }} entries behind the leader') },
        ),
      ],
    },
    {
      name: 'ringside-certificates',
      rules: [
        rule('ringsideCertificateExpiry', `${left} < ${criticalDays * DAY_S}`, { severity: 'critical', summary: certSummary, description: certText.summary, action: certText.action }),
        rule('ringsideCertificateExpiry', `${left} < ${warnDays * DAY_S} and ${left} >= ${criticalDays * DAY_S}`, { severity: 'warning', summary: certSummary, description: certText.summary, action: certText.action }),
        rule('ringsideCertificateHostMismatch', 'ringside_certificate_host_covered == 0', {
          severity: 'warning',
          summary: '{{ $labels.cluster }}: member {{ $labels.member }}’s certificate does not cover the address Ringside reaches it on',
          description: CERTIFICATE_RULE_DEFS.ringsideCertificateHostMismatch.summary,
          action: CERTIFICATE_RULE_DEFS.ringsideCertificateHostMismatch.action,
        }),
      ],
    },
    {
      name: 'ringside-backups',
      rules: [
        rule('ringsideBackupStale', `time() - ringside_backup_last_success_timestamp_seconds > ${backupMaxAgeS}`, {
          severity: 'warning',
          ...from('ringsideBackupStale', '{{ $labels.cluster }}: the last good backup is {{ $value | humanizeDuration }} old'),
        }),
        // The same name and severity as Ringside's own rule (lib/alerts/rules.ts), so a page reads the same.
        rule('ringsideDrillFailed', 'ringside_backup_drill_failing == 1', {
          severity: 'critical',
          ...from('ringsideDrillFailed', '{{ $labels.cluster }}: the latest restore drill failed'),
        }),
      ],
    },
    {
      name: 'ringside-self',
      rules: [
        rule('RingsideDown', `up{job=${JSON.stringify(job)}} == 0`, {
          for: '5m',
          severity: 'critical',
          summary: 'Ringside ({{ $labels.instance }}) is down',
          description: 'Nothing watches the etcd rings, and Ringside’s own alerts cannot fire.',
          action: 'Restart Ringside; its server log says why it stopped.',
        }),
        rule('ringsideDataStale', 'time() - ringside_cluster_last_poll_timestamp_seconds > 60', {
          for: '2m',
          severity: 'warning',
          summary: '{{ $labels.cluster }}: Ringside has not polled for {{ $value | humanizeDuration }}',
          description: 'What Ringside shows and alerts on for this cluster is out of date.',
          action: 'Check Ringside’s server log and its reach to the members.',
        }),
        rule('ringsideNotificationsFailing', 'ringside_notification_queued > 0 and (time() - ringside_notification_last_failure_timestamp_seconds) < 300', {
          for: '10m',
          severity: 'warning',
          summary: 'Ringside cannot deliver alerts to {{ $labels.receiver }}',
          description: 'Alerts wait in Ringside’s queue for this receiver and may be dropped if it stays away.',
          action: 'Check the receiver and the last error on Ringside’s Notifications page.',
        }),
        rule('ringsideNotificationsDropped', 'increase(ringside_notification_dropped_total[1h]) > 0', {
          severity: 'warning',
          summary: 'Ringside dropped {{ $value }} alert deliveries to {{ $labels.receiver }} in the last hour',
          description: 'Some alerts never reached this receiver: its queue overflowed or it refused them.',
          action: 'Read the audit log for what was dropped and why; fix the receiver.',
        }),
      ],
    },
  ];
}

const HEADER = 'Ringside alerting rules over its own /api/metrics series. Generated by Ringside: regenerate rather than edit.';

/** A Prometheus rule file (`rule_files:`). */
export function ruleFileYaml(opts: RuleFileOptions): string {
  return `# ${HEADER}\n${stringify({ groups: prometheusRuleGroups(opts) }, { lineWidth: 0 })}`;
}

/** The same groups as a prometheus-operator PrometheusRule. */
export function prometheusRuleYaml(opts: RuleFileOptions, meta: { name: string; namespace?: string; labels?: Record<string, string> }): string {
  const doc = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}), ...(meta.labels ? { labels: meta.labels } : {}) },
    spec: { groups: prometheusRuleGroups(opts) },
  };
  return `# ${HEADER}\n${stringify(doc, { lineWidth: 0 })}`;
}
