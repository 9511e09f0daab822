'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { alertsQuery, backupStatusQuery, checkLogsQuery, corruptionLogsQuery, eventsQuery, hashkvQuery, ringQuery } from '@/lib/query/keys';
import { suspectsFromLogs } from '@/lib/model/hash-verdicts';
import { corruptionNextStep } from '@/lib/model/next-step';
import { AlertPanel } from '../alerts/alert-panel';
import { CapacityPanel } from '../capacity/capacity-panel';
import { CertificatesPanel } from '../certs/certificates-panel';
import { BackupsPanel } from '../backups/backups-panel';
import { FreshnessBadge } from '../backups/freshness-badge';
import { HistoryPanel } from '../charts/history-panel';
import { Evidence } from '../consistency/evidence';
import { LogPanel } from '../logs/log-panel';
import { HashPanel } from '../consistency/hash-panel';
import { EventFeed } from '../events/event-feed';
import { MemberTable } from '../members/member-table';
import { TriagePanel } from '../triage/triage-panel';
import { OpsPanel } from '../ops/ops-panel';
import { HealthBadge } from '../ui/health-badge';
import { Panel } from '../ui/panel';
import { PanelBoundary } from '../ui/panel-boundary';
import { useNow } from '../ui/use-now';
import { freshnessOf, LiveIndicator, StaleBanner } from './live-indicator';
import { QuorumBanner } from './quorum-banner';
import { RingFacts } from './ring-facts';
import { RingTopology } from './ring-topology';
import { RingWarnings } from './ring-warnings';
import { useRingStream } from './use-ring-stream';

/** The live page of one cluster: everything arrives over the stream into the query cache. */
export function ClusterView({ cluster }: { cluster: string }) {
  const ring = useQuery(ringQuery(cluster));
  const events = useQuery(eventsQuery(cluster));
  const hashkv = useQuery(hashkvQuery(cluster));
  const corruption = useQuery(corruptionLogsQuery(cluster));
  const checks = useQuery(checkLogsQuery(cluster));
  const alerts = useQuery(alertsQuery(cluster));
  const backups = useQuery(backupStatusQuery(cluster));
  const { status } = useRingStream(cluster);
  const now = useNow(1000);

  if (!ring.data) {
    return (
      <div className="text-muted" role="status">
        {ring.error ? `Cannot load ${cluster}: ${ring.error.message}` : `Loading ${cluster}…`}
      </div>
    );
  }
  const data = ring.data;
  const freshness = freshnessOf(status, ring.dataUpdatedAt, data.pollIntervalMs, now);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">{cluster}</h1>
        <HealthBadge health={data.health} size="lg" />
        <span className="text-sm text-muted">{data.summary}</span>
        <Link href={`/timeline?cluster=${cluster}&last=1h`} className="text-sm text-accent hover:underline">
          Timeline
        </Link>
        {backups.data && (
          <a href="#backups" className="hover:opacity-80">
            <FreshnessBadge status={backups.data} now={now} />
          </a>
        )}
        <span className="ml-auto">
          <LiveIndicator status={status} freshness={freshness} />
        </span>
      </div>

      <StaleBanner freshness={freshness} />

      <div className={freshness.stale ? 'opacity-60 saturate-50 transition-opacity' : 'transition-opacity'}>
        <div className="space-y-4">
          <PanelBoundary name="Triage">
            <TriagePanel cluster={cluster} ring={data} alerts={alerts.data ?? []} hash={hashkv.data ?? null} />
          </PanelBoundary>
          <PanelBoundary name="Quorum">
            <QuorumBanner ring={data} />
          </PanelBoundary>
          <PanelBoundary name="Alerts">
            <AlertPanel cluster={cluster} alerts={alerts.data} now={now} />
          </PanelBoundary>
          <PanelBoundary name="Warnings">
            <RingWarnings warnings={data.warnings} />
          </PanelBoundary>

          <div className="grid gap-4 lg:grid-cols-[minmax(360px,480px)_1fr]">
            <Panel title="Ring">
              <div className="flex justify-center">
                <RingTopology ring={data} />
              </div>
              <Legend />
            </Panel>
            <div className="grid gap-4 xl:grid-cols-[minmax(0,360px)_1fr]">
              <Panel title="At a glance">
                <RingFacts ring={data} />
              </Panel>
              <Panel title="Events" bodyClassName="">
                <EventFeed events={events.data ?? []} />
              </Panel>
            </div>
          </div>

          <Panel title="Consistency and corruption" id="consistency">
            <div className="grid gap-5 xl:grid-cols-2">
              <PanelBoundary name="HashKV">
                <HashPanel ring={data} check={hashkv.data} now={now} named={suspectsFromLogs(corruption.data?.lines ?? [], data)} />
              </PanelBoundary>
              <PanelBoundary name="Corruption evidence">
                <Evidence
                  cluster={cluster}
                  step={corruptionNextStep(data, hashkv.data ?? null, corruption.data?.audits ?? [])}
                  lines={corruption.data?.lines ?? []}
                  checks={checks.data?.lines ?? []}
                  audits={corruption.data?.audits ?? []}
                  sources={corruption.data?.sources.length ?? 0}
                  kubernetes={corruption.data?.kubernetes}
                />
              </PanelBoundary>
            </div>
          </Panel>

          <PanelBoundary name="Health history">
            <HistoryPanel cluster={cluster} ring={data} />
          </PanelBoundary>

          <Panel title={`Members (${data.members.length})`} bodyClassName="">
            <MemberTable ring={data} now={now} />
          </Panel>

          <PanelBoundary name="Capacity">
            <CapacityPanel cluster={cluster} now={now} />
          </PanelBoundary>

          <PanelBoundary name="Certificates">
            <CertificatesPanel cluster={cluster} />
          </PanelBoundary>
          <Panel title="Backups" id="backups" bodyClassName="">
            <BackupsPanel cluster={cluster} now={now} />
          </Panel>

          <PanelBoundary name="Operations">
            <OpsPanel cluster={cluster} ring={data} />
          </PanelBoundary>

          <Panel title="Logs" bodyClassName="">
            <LogPanel cluster={cluster} sources={corruption.data?.sources.length ?? 0} members={data.members.map((m) => m.name || m.id)} />
          </Panel>

        </div>
      </div>
    </div>
  );
}

function Legend() {
  return (
    <ul className="mt-2 flex flex-wrap justify-center gap-x-4 gap-y-1 text-xs text-muted" aria-label="Legend">
      <li className="flex items-center gap-1.5">
        <svg viewBox="0 0 12 12" className="size-3" aria-hidden><circle cx="6" cy="6" r="5.5" fill="var(--ok)" /></svg>leader (crown)
      </li>
      <li className="flex items-center gap-1.5">
        <svg viewBox="0 0 12 12" className="size-3" aria-hidden><circle cx="6" cy="6" r="5.5" fill="var(--accent)" /></svg>follower
      </li>
      <li className="flex items-center gap-1.5">
        <svg viewBox="0 0 12 12" className="size-3" aria-hidden><rect x="2" y="2" width="8" height="8" transform="rotate(45 6 6)" fill="none" stroke="var(--info)" strokeWidth="1.5" /></svg>learner
      </li>
      <li className="flex items-center gap-1.5">
        <svg viewBox="0 0 12 12" className="size-3" aria-hidden><circle cx="6" cy="6" r="5" fill="none" stroke="var(--crit)" strokeWidth="1.5" /><path d="M3.5 3.5l5 5m0-5l-5 5" stroke="var(--crit)" strokeWidth="1.5" /></svg>down
      </li>
      <li className="flex items-center gap-1.5">
        <svg viewBox="0 0 12 12" className="size-3" aria-hidden><circle cx="6" cy="6" r="5" fill="none" stroke="var(--muted)" strokeWidth="1.5" strokeDasharray="1.5 2" /></svg>not started
      </li>
    </ul>
  );
}
