import 'server-only';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { memberLabel } from '../model/labels';
import type { ReceiverStatus } from '../notify/types';
import type { ClusterMonitor } from './cluster-monitor';

export interface RegistrySources {
  /** Alert delivery's receivers (lib/notify), read at scrape time. */
  receivers?: () => ReceiverStatus[];
}

/**
 * Ringside's own /metrics (prom-client), so an existing Prometheus and Alertmanager can scrape
 * what Ringside sees: per member up, leader, revision, sizes and latency; per cluster quorum,
 * hash agreement and alerts; certificates' expiry; alert delivery per receiver; and Ringside's
 * poll durations. Values are read from the monitors and the notifier at scrape time; poll
 * durations are observed as polls finish. GET /api/alerts/rules.yaml alerts on these series.
 */
export function createPrometheusRegistry(monitors: ReadonlyMap<string, ClusterMonitor>, sources: RegistrySources = {}): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ringside_' });
  const all = () => [...monitors.values()];
  const memberLabels = ['cluster', 'member', 'member_id'] as const;

  const memberGauge = (name: string, help: string, value: (m: NonNullable<ClusterMonitor['ring']>['members'][number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: memberLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const mon of all()) {
          for (const m of mon.ring?.members ?? []) {
            const v = value(m);
            if (v !== null) this.set({ cluster: mon.cluster.name, member: memberLabel(m), member_id: m.id }, v);
          }
        }
      },
    });
  memberGauge('ringside_member_up', '1 when the member answered the last status poll.', (m) => (m.reachable ? 1 : 0));
  memberGauge('ringside_member_is_leader', '1 for the member the ring follows as leader.', (m) => (m.isLeader ? 1 : 0));
  memberGauge('ringside_member_is_learner', '1 for a learner (non-voting) member.', (m) => (m.isLearner ? 1 : 0));
  memberGauge('ringside_member_revision', 'The member’s store revision.', (m) => m.revision);
  memberGauge('ringside_member_raft_index', 'The member’s raft index.', (m) => m.raftIndex);
  memberGauge('ringside_member_raft_applied_index', 'The member’s raft applied index.', (m) => m.raftAppliedIndex);
  memberGauge('ringside_member_db_size_bytes', 'Size of the member’s db file.', (m) => m.dbSize);
  memberGauge('ringside_member_db_size_in_use_bytes', 'Bytes of the member’s db file in use.', (m) => m.dbSizeInUse);
  memberGauge('ringside_member_status_latency_seconds', 'Round trip of Ringside’s last status call to the member.', (m) =>
    m.reachable && m.latencyMs !== null ? m.latencyMs / 1000 : null,
  );

  const clusterGauge = (name: string, help: string, value: (mon: ClusterMonitor) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['cluster'],
      registers: [registry],
      collect() {
        this.reset();
        for (const mon of all()) {
          const v = value(mon);
          if (v !== null) this.set({ cluster: mon.cluster.name }, v);
        }
      },
    });
  clusterGauge('ringside_cluster_has_leader', '1 when the ring has a leader.', (mon) => (mon.ring ? (mon.ring.leader ? 1 : 0) : null));
  clusterGauge('ringside_cluster_has_quorum', '1 when a majority of voters is healthy and follows the leader.', (mon) => (mon.ring ? (mon.ring.quorum.hasQuorum ? 1 : 0) : null));
  clusterGauge('ringside_cluster_quorum_can_lose', 'How many more voters can fail before writes stop.', (mon) => mon.ring?.quorum.canLose ?? null);
  clusterGauge('ringside_cluster_voters', 'Voting members.', (mon) => mon.ring?.quorum.voters ?? null);
  clusterGauge('ringside_cluster_last_poll_timestamp_seconds', 'When the last status poll started.', (mon) => (mon.ring ? Date.parse(mon.ring.at) / 1000 : null));
  clusterGauge('ringside_hashkv_consistent', 'Last HashKV agreement check at a common revision: 1 agree, 0 mismatch; absent when it could not tell.', (mon) =>
    mon.hashCheck?.consistent === true ? 1 : mon.hashCheck?.consistent === false ? 0 : null,
  );
  // Backups (clusters with a backup store only): what ringsideBackupStale and ringsideDrillFailed
  // read, so a Prometheus rule file (lib/alerts/prometheus-rules.ts) can alert the same way.
  const newest = (mon: ClusterMonitor) => (mon.backups?.newestAt ? Date.parse(mon.backups.newestAt) : null);
  clusterGauge('ringside_backup_last_success_timestamp_seconds', 'When the newest verified backup of the cluster was taken (absent: none).', (mon) => {
    const t = newest(mon);
    return t === null ? null : t / 1000;
  });
  clusterGauge('ringside_backup_age_seconds', 'Age of the newest verified backup at scrape time (absent: none).', (mon) => {
    const t = newest(mon);
    return t === null ? null : Math.max(0, (Date.now() - t) / 1000);
  });
  clusterGauge('ringside_backup_drill_failing', '1 while the latest restore drill of the cluster failed, else 0.', (mon) => (mon.backups ? (mon.backups.lastDrill?.result === 'failed' ? 1 : 0) : null));
  clusterGauge('ringside_hashkv_last_check_timestamp_seconds', 'When the last HashKV check ran.', (mon) => (mon.hashCheck ? Date.parse(mon.hashCheck.checkedAt) / 1000 : null));

  new Gauge({
    name: 'ringside_member_hashkv_mismatch',
    help: '1 for a member whose hash differs from the majority in the last check, 0 for one that agrees.',
    labelNames: memberLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const mon of all()) {
        for (const m of mon.hashCheck?.members ?? []) {
          if (m.verdict !== 'skipped') this.set({ cluster: mon.cluster.name, member: m.name, member_id: m.id }, m.verdict === 'mismatch' ? 1 : 0);
        }
      }
    },
  });

  new Gauge({
    name: 'ringside_alarm_active',
    help: 'An etcd alarm (NOSPACE, CORRUPT) is active; member_id 0 means raised for the whole cluster.',
    labelNames: ['cluster', 'alarm', 'member_id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const mon of all()) for (const a of mon.ring?.alarms ?? []) this.set({ cluster: mon.cluster.name, alarm: a.alarm, member_id: a.memberId }, 1);
    },
  });

  new Gauge({
    name: 'ringside_alert',
    help: 'Ringside alerts like Prometheus ALERTS: 1 per pending or firing alert.',
    labelNames: ['cluster', 'alertname', 'severity', 'alertstate', 'member'],
    registers: [registry],
    collect() {
      this.reset();
      for (const mon of all()) {
        for (const a of mon.alerts()) {
          this.set({ cluster: a.cluster, alertname: a.rule, severity: a.severity, alertstate: a.state, member: a.memberName ?? '' }, 1);
        }
      }
    },
  });

  new Gauge({
    name: 'ringside_alerts_firing',
    help: 'Firing alerts per cluster and severity.',
    labelNames: ['cluster', 'severity'],
    registers: [registry],
    collect() {
      this.reset();
      for (const mon of all()) {
        for (const severity of ['warning', 'critical'] as const) {
          this.set({ cluster: mon.cluster.name, severity }, mon.alerts().filter((a) => a.state === 'firing' && a.severity === severity).length);
        }
      }
    },
  });

  // Every certificate read, by where it was presented (role: client-url, metrics-url, ca, client-cert)
  // and its place in the chain; the CA file and Ringside's client certificate name no member.
  new Gauge({
    name: 'ringside_certificate_expiry_timestamp_seconds',
    help: 'When a certificate expires (notAfter), from the latest read of the cluster’s certificates.',
    labelNames: ['cluster', 'member', 'member_id', 'role', 'depth', 'subject'],
    registers: [registry],
    collect() {
      this.reset();
      for (const mon of all()) {
        const c = mon.certificates;
        if (!c) continue;
        const cluster = mon.cluster.name;
        const set = (member: string, memberId: string, role: string, certs: { notAfter: string; subject: string }[]) =>
          certs.forEach((cert, depth) => this.set({ cluster, member, member_id: memberId, role, depth: String(depth), subject: cert.subject }, Date.parse(cert.notAfter) / 1000));
        for (const m of c.members) for (const e of m.endpoints) set(m.memberName, m.memberId, e.source, e.chain);
        set('', '', 'ca', c.ca);
        set('', '', 'client-cert', c.client);
      }
    },
  });
  new Gauge({
    name: 'ringside_certificate_host_covered',
    help: '1 when the certificate a member presents covers the address Ringside reaches it on, 0 when it does not.',
    labelNames: [...memberLabels, 'role'],
    registers: [registry],
    collect() {
      this.reset();
      for (const mon of all()) {
        for (const m of mon.certificates?.members ?? []) {
          for (const e of m.endpoints) {
            if (e.coversHost !== null) this.set({ cluster: mon.cluster.name, member: m.memberName, member_id: m.memberId, role: e.source }, e.coversHost ? 1 : 0);
          }
        }
      }
    },
  });

  const receivers = () => sources.receivers?.() ?? [];
  const receiverLabels = ['receiver', 'kind'] as const;
  const receiverGauge = (name: string, help: string, value: (r: ReceiverStatus) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: receiverLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of receivers()) {
          const v = value(r);
          if (v !== null) this.set({ receiver: r.name, kind: r.kind }, v);
        }
      },
    });
  // The engine keeps these counts (across restarts, in its state file): each scrape reports them as they are.
  const receiverCounter = (name: string, help: string, value: (r: ReceiverStatus) => number) =>
    new Counter({
      name,
      help,
      labelNames: receiverLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of receivers()) this.inc({ receiver: r.name, kind: r.kind }, value(r));
      },
    });
  const seconds = (iso: string | null) => (iso ? Date.parse(iso) / 1000 : null);
  receiverGauge('ringside_notification_queued', 'Alerts or events waiting to be delivered to the receiver.', (r) => r.queued);
  receiverCounter('ringside_notification_sent_total', 'Deliveries the receiver accepted.', (r) => r.sent);
  receiverCounter('ringside_notification_failures_total', 'Delivery attempts that failed (each is retried).', (r) => r.failed);
  receiverCounter('ringside_notification_dropped_total', 'Deliveries given up: the queue overflowed or the receiver refused the body for good.', (r) => r.dropped);
  receiverGauge('ringside_notification_last_success_timestamp_seconds', 'When the receiver last accepted a delivery.', (r) => seconds(r.lastSuccessAt));
  receiverGauge('ringside_notification_last_failure_timestamp_seconds', 'When a delivery to the receiver last failed.', (r) => seconds(r.lastFailureAt));

  const pollDuration = new Histogram({
    name: 'ringside_poll_duration_seconds',
    help: 'Wall time of one status poll of every member of a cluster (the /metrics scrapes run apart).',
    labelNames: ['cluster'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  for (const mon of all()) {
    mon.subscribe((msg) => {
      if (msg.type === 'ring') pollDuration.observe({ cluster: mon.cluster.name }, msg.ring.pollDurationMs / 1000);
    });
  }
  return registry;
}
