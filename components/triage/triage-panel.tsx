'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, ArrowRight, ClipboardCopy, OctagonX, Siren } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import type { Alert } from '@/lib/alerts/tracker';
import { formatClock } from '@/lib/model/format';
import { eventsQuery, ringKeys, timelineQuery } from '@/lib/query/keys';
import type { HashCheck } from '@/lib/ring/hashkv';
import type { RingEvent, RingState } from '@/lib/ring/types';
import { withLiveEvents } from '@/lib/model/timeline-entries';
import { incidentMarkdown, triage } from '@/lib/model/incident';
import { EvidenceBadge } from '../consistency/evidence-badge';
import { severityLook } from '../events/event-feed';
import { EntryText } from '../timeline/entry-text';
import { NospaceWayOut } from './nospace-way-out';

const WINDOWS = ['15m', '1h', '6h'] as const;
/** Rows shown; the rest are a click away on the timeline. */
const SHOWN = 30;

/**
 * During trouble, at the top of the cluster page: what changed in the last N minutes, each firing
 * condition in one sentence with the step that addresses it, and a Markdown incident summary for
 * the incident channel. Quiet when all is well.
 */
export function TriagePanel({ cluster, ring, alerts, hash }: { cluster: string; ring: RingState; alerts: Alert[]; hash: HashCheck | null }) {
  const [window, setWindow] = useState<(typeof WINDOWS)[number]>('15m');
  const [copied, setCopied] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const events = useQuery(eventsQuery(cluster));
  // Trouble is known from the ring and its alerts alone; the timeline is asked only then.
  const troubled = triage(cluster, ring, alerts, hash, []).trouble;
  const search = `cluster=${cluster}&last=${window}&collapse=true&limit=500`;
  const timeline = useQuery({ ...timelineQuery(search), enabled: troubled });
  if (!troubled) return null;
  // The stored window can be a refresh older than the page: the ring events the page already
  // shows (its live stream) join it, so triage never lags the Events panel.
  const windowEntries = timeline.data ? withLiveEvents(timeline.data.entries, events.data ?? [], Date.parse(timeline.data.from), Infinity) : [];
  const t = triage(cluster, ring, alerts, hash, windowEntries);

  const copy = async () => {
    // What is copied must match what the page shows now: read the window afresh, then join the
    // page's own live events to it (a CORRUPT alarm on screen is in the summary's key events).
    const data = await queryClient.fetchQuery({ ...timelineQuery(search), staleTime: 0 }).catch(() => timeline.data);
    const live = queryClient.getQueryData<RingEvent[]>(ringKeys.events(cluster)) ?? [];
    const entries = data ? withLiveEvents(data.entries, live, Date.parse(data.from), Infinity) : [];
    const to = [data?.to ?? ring.at, entries.at(-1)?.at ?? ring.at, ring.at].sort().at(-1)!;
    const md = incidentMarkdown({ cluster, ring, alerts, hash, entries, from: data?.from ?? ring.at, to, url: globalThis.location?.href });
    try {
      await navigator.clipboard.writeText(md);
      setCopied('Copied: paste it in the incident channel');
    } catch {
      setCopied('The browser refused the clipboard');
    }
    setTimeout(() => setCopied(null), 3000);
  };

  return (
    <section aria-label="Triage" className="rounded-lg border-2 border-crit/60 bg-panel">
      <header className="flex flex-wrap items-center gap-3 border-b border-line px-4 py-2.5">
        <h2 className="inline-flex items-center gap-2 text-sm font-semibold uppercase tracking-wider text-crit">
          <Siren className="size-4" aria-hidden /> Triage
        </h2>
        <span className="text-sm text-muted">What changed in the last</span>
        <div className="flex gap-1" role="group" aria-label="Triage window">
          {WINDOWS.map((w) => (
            <button key={w} type="button" aria-pressed={window === w} onClick={() => setWindow(w)} className={`rounded border px-2 py-0.5 text-xs ${window === w ? 'border-accent bg-info-bg font-semibold' : 'border-line text-muted hover:text-fg'}`}>
              {w}
            </button>
          ))}
        </div>
        <Link href={`/timeline?cluster=${cluster}&last=${window}`} className="text-sm text-accent hover:underline">
          full timeline
        </Link>
        <button type="button" onClick={copy} className="ml-auto inline-flex items-center gap-1.5 rounded-md border border-line bg-panel-2 px-3 py-1.5 text-sm font-medium hover:border-accent/60">
          <ClipboardCopy className="size-4" aria-hidden /> Copy incident summary
        </button>
        {copied && <span role="status" className="text-xs text-muted">{copied}</span>}
      </header>
      <div className="grid gap-4 p-4 lg:grid-cols-2">
        <div>
          <h3 className="mb-1.5 text-[11px] font-semibold uppercase tracking-wider text-muted">Firing now</h3>
          {t.conditions.length === 0 ? (
            <p className="text-sm text-muted">Nothing firing yet{alerts.some((a) => a.state === 'pending') ? ' (alerts pending; see below)' : ''}. {ring.summary}.</p>
          ) : (
            <ul className="space-y-2 text-sm" aria-label="Firing conditions">
              {t.conditions.map((c) => {
                const Icon = c.severity === 'critical' ? OctagonX : AlertTriangle;
                return (
                  <li key={c.sentence} className="flex items-start gap-2">
                    <Icon className={`mt-0.5 size-4 shrink-0 ${c.severity === 'critical' ? 'text-crit' : 'text-warn'}`} aria-label={c.severity} />
                    <span className="min-w-0">
                      {c.evidence && (
                        <span className="mr-1.5 inline-block align-[1px]">
                          <EvidenceBadge evidence={c.evidence} />
                        </span>
                      )}
                      {c.sentence}
                      {c.link && (
                        <Link href={c.link.href} className="ml-2 inline-flex items-center gap-1 font-medium text-accent hover:underline">
                          {c.link.label} <ArrowRight className="size-3.5" aria-hidden />
                        </Link>
                      )}
                    </span>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
        <div>
          <h3 className="mb-1.5 text-[11px] font-semibold uppercase tracking-wider text-muted">What changed ({window})</h3>
          {t.changes.length === 0 ? (
            <p className="text-sm text-muted">{timeline.isLoading ? 'Loading…' : 'Nothing recorded in this window.'}</p>
          ) : (
            <>
              <ol className="max-h-64 space-y-1 overflow-y-auto text-sm" aria-label="What changed">
                {t.changes.slice(0, SHOWN).map((e) => {
                  const { Icon, tone, word } = severityLook[e.severity];
                  return (
                    <li key={e.id} className="flex items-start gap-2" data-kind={e.kind} data-evidence={e.evidence ?? ''}>
                      <time className="shrink-0 pt-px font-mono text-xs text-muted" dateTime={e.at}>{formatClock(e.at)}</time>
                      <Icon className={`mt-0.5 size-3.5 shrink-0 ${tone}`} aria-label={word} />
                      <EntryText e={e} tone={tone} kind={false} />
                    </li>
                  );
                })}
              </ol>
              {t.changes.length > SHOWN && (
                <p className="mt-1 text-xs text-muted">
                  {t.changes.length - SHOWN} more on the{' '}
                  <Link href={`/timeline?cluster=${cluster}&last=${window}`} className="text-accent hover:underline">
                    timeline
                  </Link>
                </p>
              )}
            </>
          )}
        </div>
      </div>
      {ring.alarms.some((a) => a.alarm === 'NOSPACE') && <NospaceWayOut cluster={cluster} />}
    </section>
  );
}
