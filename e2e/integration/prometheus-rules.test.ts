import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { prometheusRuleYaml, ruleFileYaml } from '@/lib/alerts/prometheus-rules';
import { freePortBlock } from '../harness/ports';
import { RULES } from '@/lib/alerts/rules';
import { PROMTOOL, requirePrometheus } from '../support/prometheus';
import { RingsideServer } from '../support/ringside-server';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opts = { certificates: { warnDays: 30, criticalDays: 7 } };

async function promtool(args: string[]): Promise<{ code: number; out: string }> {
  requirePrometheus();
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: dir, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('the generated rules, as Prometheus’ own promtool reads them', () => {
  test('`promtool check rules` passes on the rule file and on the PrometheusRule’s groups', async () => {
    writeFileSync(path.join(dir, 'rules.yml'), ruleFileYaml(opts));
    const file = await promtool(['check', 'rules', 'rules.yml']);
    expect(file.code, file.out).toBe(0);
    expect(file.out).toContain('SUCCESS: 18 rules found');

    // promtool reads rule files, not Kubernetes objects: check the spec it carries.
    const resource = parse(prometheusRuleYaml(opts, { name: 'ringside', namespace: 'monitoring' })) as { spec: unknown };
    writeFileSync(path.join(dir, 'operator.yml'), stringify(resource.spec));
    const spec = await promtool(['check', 'rules', 'operator.yml']);
    expect(spec.code, spec.out).toBe(0);
  });

  test('`promtool test rules`: each rule fires on the series it is meant for, with its labels and words, and not before its `for`', async () => {
    writeFileSync(path.join(dir, 'rules.yml'), ruleFileYaml(opts));
    const m3 = { cluster: 'prod', member: 'm3', member_id: 'fd422379fda50e48' };
    const labels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: `ringside_member_up${labels(m3)}`, values: '1 0x15' },
            { series: `ringside_member_up${labels({ ...m3, member: 'm1', member_id: 'a1' })}`, values: '1x15' },
          ],
          alert_rule_test: [
            { eval_time: '10m', alertname: 'etcdMembersDown', exp_alerts: [] },
            {
              eval_time: '12m',
              alertname: 'etcdMembersDown',
              exp_alerts: [
                {
                  exp_labels: { alertname: 'etcdMembersDown', severity: 'critical', source: 'ringside', ...m3 },
                  exp_annotations: {
                    summary: 'prod: member m3 is down',
                    description: 'A member is down or cut off from its peers; the ring can lose fewer members before it stops.',
                    action: 'Restart the member; if its data is lost or corrupt, replace it through a learner.',
                  },
                },
              ],
            },
          ],
        },
        {
          // The leader's raft index against every member's applied index: only m2 is behind.
          interval: '1m',
          input_series: [
            { series: 'ringside_member_raft_index{cluster="prod",member="m1",member_id="a1"}', values: '5000x10' },
            { series: 'ringside_member_raft_index{cluster="prod",member="m2",member_id="b2"}', values: '5000x10' },
            { series: 'ringside_member_is_leader{cluster="prod",member="m1",member_id="a1"}', values: '1x10' },
            { series: 'ringside_member_is_leader{cluster="prod",member="m2",member_id="b2"}', values: '0x10' },
            { series: 'ringside_member_raft_applied_index{cluster="prod",member="m1",member_id="a1"}', values: '5000x10' },
            { series: 'ringside_member_raft_applied_index{cluster="prod",member="m2",member_id="b2"}', values: '3500x10' },
          ],
          alert_rule_test: [
            {
              eval_time: '6m',
              alertname: 'ringsideApplyBehind',
              exp_alerts: [
                {
                  exp_labels: { alertname: 'ringsideApplyBehind', severity: 'warning', source: 'ringside', cluster: 'prod', member: 'm2', member_id: 'b2' },
                  exp_annotations: {
                    summary: 'prod: member m2 is 1500 entries behind the leader',
                    description: 'The member cannot keep up applying the log; reads from it are stale and it may be throttled.',
                    action: 'Check the member’s disk (backend commit, fsync) and CPU.',
                  },
                },
              ],
            },
          ],
        },
        {
          // notAfter 5 days, 20 days and 60 days after the evaluation at 10m; one certificate misnamed.
          interval: '1m',
          input_series: [
            { series: 'ringside_certificate_expiry_timestamp_seconds{cluster="prod",member="m1",member_id="a1",role="client-url",depth="0",subject="CN=etcd-1"}', values: '432600x10' },
            { series: 'ringside_certificate_expiry_timestamp_seconds{cluster="prod",member="",member_id="",role="ca",depth="0",subject="CN=etcd-ca"}', values: '1728600x10' },
            { series: 'ringside_certificate_expiry_timestamp_seconds{cluster="prod",member="m2",member_id="b2",role="client-url",depth="0",subject="CN=etcd-2"}', values: '5184600x10' },
            { series: 'ringside_certificate_host_covered{cluster="prod",member="m2",member_id="b2",role="client-url"}', values: '0x10' },
          ],
          alert_rule_test: [
            {
              eval_time: '10m',
              alertname: 'ringsideCertificateExpiry',
              exp_alerts: [
                {
                  exp_labels: { alertname: 'ringsideCertificateExpiry', severity: 'critical', source: 'ringside', role: 'client-url', cluster: 'prod', member: 'm1', member_id: 'a1', depth: '0', subject: 'CN=etcd-1' },
                  exp_annotations: certWords('prod m1: client-url certificate CN=etcd-1 expires in 5d 0h 0m 0s'),
                },
                {
                  exp_labels: { alertname: 'ringsideCertificateExpiry', severity: 'warning', source: 'ringside', role: 'ca', cluster: 'prod', depth: '0', subject: 'CN=etcd-ca' },
                  exp_annotations: certWords('prod: ca certificate CN=etcd-ca expires in 20d 0h 0m 0s'),
                },
              ],
            },
            {
              eval_time: '10m',
              alertname: 'ringsideCertificateHostMismatch',
              exp_alerts: [
                {
                  exp_labels: { alertname: 'ringsideCertificateHostMismatch', severity: 'warning', source: 'ringside', role: 'client-url', cluster: 'prod', member: 'm2', member_id: 'b2' },
                  exp_annotations: {
                    summary: 'prod: member m2’s certificate does not cover the address Ringside reaches it on',
                    description: 'Clients that check host names (Ringside, the API server, etcdctl) refuse the member at this address.',
                    action: 'Reissue the member’s certificate with this address in its SANs, or reach the member at an address the certificate names.',
                  },
                },
              ],
            },
          ],
        },
        {
          // Failing to deliver for over ten minutes; a backup last good at time 0.
          interval: '1m',
          input_series: [
            { series: 'ringside_notification_queued{receiver="ops",kind="webhook"}', values: '3x1600' },
            { series: 'ringside_notification_last_failure_timestamp_seconds{receiver="ops",kind="webhook"}', values: '0+60x1600' },
            { series: 'ringside_backup_last_success_timestamp_seconds{cluster="prod"}', values: '0x1600' },
          ],
          alert_rule_test: [
            { eval_time: '9m', alertname: 'ringsideNotificationsFailing', exp_alerts: [] },
            {
              eval_time: '11m',
              alertname: 'ringsideNotificationsFailing',
              exp_alerts: [
                {
                  exp_labels: { alertname: 'ringsideNotificationsFailing', severity: 'warning', source: 'ringside', receiver: 'ops', kind: 'webhook' },
                  exp_annotations: {
                    summary: 'Ringside cannot deliver alerts to ops',
                    description: 'Alerts wait in Ringside’s queue for this receiver and may be dropped if it stays away.',
                    action: 'Check the receiver and the last error on Ringside’s Notifications page.',
                  },
                },
              ],
            },
            { eval_time: '24h', alertname: 'ringsideBackupStale', exp_alerts: [] },
            {
              eval_time: '26h',
              alertname: 'ringsideBackupStale',
              exp_alerts: [
                {
                  exp_labels: { alertname: 'ringsideBackupStale', severity: 'warning', source: 'ringside', cluster: 'prod' },
                  exp_annotations: {
                    summary: 'prod: the last good backup is 1d 2h 0m 0s old',
                    // The words of Ringside's own rule, so a page reads the same whichever evaluated it.
                    description: RULES.ringsideBackupStale.summary,
                    action: RULES.ringsideBackupStale.action,
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(path.join(dir, 'rules.test.yml'), stringify(tests, { lineWidth: 0 }));
    const r = await promtool(['test', 'rules', 'rules.test.yml']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  });
});

describe('the rule file as the running server serves it (GET /api/alerts/rules.yaml)', () => {
  let server: RingsideServer;

  afterAll(async () => {
    await server?.stop();
  });

  test('`promtool check rules` passes on what the route serves, with this deployment’s thresholds and without its disabled rules; the PrometheusRule too', async () => {
    // The rule file does not depend on the ring: a member nobody answers on is enough.
    const [closed] = await freePortBlock(1);
    server = await RingsideServer.start({
      clusters: [{ name: 'prod', endpoints: [`http://127.0.0.1:${closed}`], metrics: { enabled: false } }],
      alerts: { etcdDatabaseHighFragmentationRatio: { disabled: true } },
      extraYaml: 'certificates: { warnDays: 45, criticalDays: 10 }',
    });
    const res = await fetch(`${server.url}/api/alerts/rules.yaml?job=ringside-prod`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    const served = await res.text();
    writeFileSync(path.join(dir, 'served.yml'), served);
    const file = await promtool(['check', 'rules', 'served.yml']);
    expect(file.code, file.out).toBe(0);
    expect(file.out).toContain('SUCCESS: 17 rules found');
    const rules = (parse(served) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).not.toContain('etcdDatabaseHighFragmentationRatio');
    expect(rules.find((r) => r.alert === 'ringsideCertificateExpiry')!.expr).toBe(`(ringside_certificate_expiry_timestamp_seconds - time()) < ${10 * 86_400}`);
    expect(rules.find((r) => r.alert === 'RingsideDown')!.expr).toBe('up{job="ringside-prod"} == 0');

    const operator = await (await fetch(`${server.url}/api/alerts/rules.yaml?format=PrometheusRule`)).text();
    const resource = parse(operator) as { apiVersion: string; kind: string; metadata: { name: string }; spec: unknown };
    expect([resource.apiVersion, resource.kind, resource.metadata.name]).toEqual(['monitoring.coreos.com/v1', 'PrometheusRule', 'ringside']);
    writeFileSync(path.join(dir, 'served-operator.yml'), stringify(resource.spec));
    const spec = await promtool(['check', 'rules', 'served-operator.yml']);
    expect(spec.code, spec.out).toBe(0);

    const bad = await fetch(`${server.url}/api/alerts/rules.yaml?format=json`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'INVALID', field: 'format' });
  });
});

function certWords(summary: string) {
  return {
    summary,
    description: 'A certificate is about to expire; once it has, clients and peers refuse the member (kubeadm’s etcd certificates last one year).',
    action: 'Renew it (kubeadm: `kubeadm certs renew etcd-server etcd-peer apiserver-etcd-client`) and restart the members one at a time, checking quorum between them.',
  };
}
