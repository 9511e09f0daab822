import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { prometheusRuleGroups, prometheusRuleYaml, ruleFileYaml } from './prometheus-rules';
import { RULES } from './rules';

const opts = { certificates: { warnDays: 30, criticalDays: 7 } };

describe('the Prometheus rule file', () => {
  test('groups and alerts, each with a severity, source=ringside and the three annotations', () => {
    const groups = prometheusRuleGroups(opts);
    expect(groups.map((g) => [g.name, g.rules.map((r) => `${r.alert}:${r.labels.severity}`)])).toEqual([
      [
        'ringside-etcd',
        [
          'etcdNoLeader:critical', 'etcdInsufficientMembers:critical', 'etcdMembersDown:critical', 'etcdHighNumberOfLeaderChanges:warning',
          'etcdDatabaseHighFragmentationRatio:warning', 'ringsideCorruptAlarm:critical', 'ringsideNospaceAlarm:critical', 'ringsideHashMismatch:critical', 'ringsideApplyBehind:warning',
        ],
      ],
      ['ringside-certificates', ['ringsideCertificateExpiry:critical', 'ringsideCertificateExpiry:warning', 'ringsideCertificateHostMismatch:warning']],
      ['ringside-backups', ['ringsideBackupStale:warning', 'ringsideDrillFailed:critical']],
      ['ringside-self', ['RingsideDown:critical', 'ringsideDataStale:warning', 'ringsideNotificationsFailing:warning', 'ringsideNotificationsDropped:warning']],
    ]);
    for (const r of groups.flatMap((g) => g.rules)) {
      expect(r.labels.source).toBe('ringside');
      expect(Object.keys(r.annotations)).toEqual(['summary', 'description', 'action']);
      expect(Object.values(r.annotations).every((a) => a.length > 10)).toBe(true);
    }
    // Ringside's own words for its own rules; etcd-mixin's `for`.
    const membersDown = groups[0].rules.find((r) => r.alert === 'etcdMembersDown')!;
    expect(membersDown).toMatchObject({ expr: 'ringside_member_up == 0', for: '10m', annotations: { action: RULES.etcdMembersDown.action } });
  });

  test('certificate thresholds, backup age and job come from the options', () => {
    const groups = prometheusRuleGroups({ certificates: { warnDays: 60, criticalDays: 14 }, backupMaxAgeHours: 2, job: 'ringside-prod' });
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.filter((r) => r.alert === 'ringsideCertificateExpiry').map((r) => r.expr)).toEqual([
      '(ringside_certificate_expiry_timestamp_seconds - time()) < 1209600',
      '(ringside_certificate_expiry_timestamp_seconds - time()) < 5184000 and (ringside_certificate_expiry_timestamp_seconds - time()) >= 1209600',
    ]);
    expect(rules.find((r) => r.alert === 'ringsideBackupStale')!.expr).toBe('time() - ringside_backup_last_success_timestamp_seconds > 7200');
    expect(rules.find((r) => r.alert === 'RingsideDown')!.expr).toBe('up{job="ringside-prod"} == 0');
  });

  test('rules turned off in the config are left out, and a group left empty goes', () => {
    const groups = prometheusRuleGroups({ ...opts, disabled: ['etcdMembersDown', 'ringsideBackupStale', 'ringsideDrillFailed'] });
    const names = groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).not.toContain('etcdMembersDown');
    expect(names).toContain('etcdNoLeader');
    expect(groups.map((g) => g.name)).toEqual(['ringside-etcd', 'ringside-certificates', 'ringside-self']);
  });

  test('YAML that reads back as the groups: a rule file, and a PrometheusRule', () => {
    const groups = prometheusRuleGroups(opts);
    const file = ruleFileYaml(opts);
    expect(file.startsWith('# Ringside alerting rules')).toBe(true);
    expect(parse(file)).toEqual({ groups });
    expect(parse(prometheusRuleYaml(opts, { name: 'ringside', namespace: 'monitoring', labels: { release: 'prom' } }))).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'ringside', namespace: 'monitoring', labels: { release: 'prom' } },
      spec: { groups },
    });
  });
});
