'use client';

import { useQuery } from '@tanstack/react-query';
import { Link2 } from 'lucide-react';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { formatClock } from '@/lib/model/format';
import { timelineQuery } from '@/lib/query/keys';
import { KIND_GROUPS, WINDOWS } from '@/lib/model/timeline-groups';
import type { TimelineEntry } from '@/lib/timeline/types';
import { severityLook } from '../events/event-feed';
import { Button } from '../ui/button';
import { EntryText } from './entry-text';
import { Panel } from '../ui/panel';

/**
 * Everything that happened, on one time axis, across clusters: ring events, alerts, HashKV
 * verdicts, corruption evidence, alarm and check log lines (a repeated line once, with its
 * count), operator actions. Every filter lives in the URL, and "Permalink" pins a relative window
 * ("last 1h") to absolute times to paste in an incident channel.
 */
export function TimelineView({ clusters }: { clusters: string[] }) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const [copied, setCopied] = useState(false);
  const search = new URLSearchParams(params.toString());
  if (!search.get('from') && !search.get('last')) search.set('last', '1h');
  // A line that repeats (a check failing every 5 s) is one row with its count, not a page of rows.
  const { data, error, isFetching } = useQuery(timelineQuery(`${search.toString()}&collapse=true`));

  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    if (key === 'last') {
      next.delete('from');
      next.delete('to');
    }
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  };
  const groups = (search.get('kind') ?? '').split(',').filter(Boolean);
  const activeGroups = KIND_GROUPS.filter((g) => g.kinds.every((k) => groups.includes(k)));
  const toggleGroup = (key: string) => {
    const on = activeGroups.some((g) => g.key === key);
    const chosen = KIND_GROUPS.filter((g) => (g.key === key ? !on : activeGroups.includes(g)));
    set('kind', chosen.flatMap((g) => g.kinds).join(',') || null);
  };
  const permalink = async () => {
    if (!data) return;
    const next = new URLSearchParams(params.toString());
    next.delete('last');
    next.set('from', data.from);
    next.set('to', data.to);
    const url = `${window.location.origin}${pathname}?${next.toString()}`;
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
    await navigator.clipboard?.writeText(url).catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">Timeline</h1>
        {data && (
          <span className="text-sm text-muted">
            {formatWhen(data.from)} – {formatWhen(data.to)} · {data.total} event{data.total === 1 ? '' : 's'}
            {data.total > data.entries.length ? ` in ${data.entries.length} row${data.entries.length === 1 ? '' : 's'} (repeated lines counted once)` : ''}
            {isFetching ? ' · updating' : ''}
          </span>
        )}
      </div>

      <div className="flex flex-wrap items-end gap-3 rounded-lg border border-line bg-panel p-3 text-sm" role="group" aria-label="Filters">
        <label>
          <span className="mb-1 block text-xs text-muted">Cluster</span>
          <select aria-label="Cluster" value={search.get('cluster') ?? ''} onChange={(e) => set('cluster', e.target.value || null)} className="rounded-md border border-line bg-bg px-2 py-1.5">
            <option value="">all clusters</option>
            {clusters.map((c) => (
              <option key={c} value={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          <span className="mb-1 block text-xs text-muted">Member</span>
          <input
            aria-label="Member"
            defaultValue={search.get('member') ?? ''}
            placeholder="name or ID"
            onKeyDown={(e) => e.key === 'Enter' && set('member', e.currentTarget.value.trim() || null)}
            onBlur={(e) => set('member', e.currentTarget.value.trim() || null)}
            className="w-32 rounded-md border border-line bg-bg px-2 py-1.5 font-mono"
          />
        </label>
        <fieldset>
          <legend className="mb-1 text-xs text-muted">Window</legend>
          <div className="flex gap-1">
            {WINDOWS.map((w) => (
              <button key={w} type="button" aria-pressed={search.get('last') === w} onClick={() => set('last', w)} className={`rounded-md border px-2 py-1 ${search.get('last') === w ? 'border-accent bg-info-bg font-semibold' : 'border-line text-muted hover:text-fg'}`}>
                {w}
              </button>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend className="mb-1 text-xs text-muted">Kinds (none chosen: all)</legend>
          <div className="flex flex-wrap gap-1">
            {KIND_GROUPS.map((g) => {
              const on = activeGroups.some((a) => a.key === g.key);
              return (
                <button key={g.key} type="button" aria-pressed={on} onClick={() => toggleGroup(g.key)} className={`rounded-md border px-2 py-1 ${on ? 'border-accent bg-info-bg font-semibold' : 'border-line text-muted hover:text-fg'}`}>
                  {g.label}
                </button>
              );
            })}
          </div>
        </fieldset>
        <Button className="ml-auto" onClick={permalink} disabled={!data}>
          <Link2 className="size-4" aria-hidden /> {copied ? 'Link copied' : 'Permalink'}
        </Button>
      </div>

      {error && <p role="alert" className="text-crit">{error.message}</p>}
      <Panel bodyClassName="">
        {data && data.entries.length === 0 ? (
          <p className="px-4 py-6 text-sm text-muted">Nothing in this window. Events, alerts, HashKV verdict changes, corruption evidence, alarm and check lines and operator actions appear here, and are kept across restarts.</p>
        ) : (
          <ol aria-label="Timeline" className="divide-y divide-line/60">
            {data?.entries
              .slice()
              .reverse()
              .map((e) => <Row key={e.id} e={e} />)}
          </ol>
        )}
      </Panel>
    </div>
  );
}

function Row({ e }: { e: TimelineEntry }) {
  const { Icon, tone, word } = severityLook[e.severity];
  // On a phone the time and cluster sit above the text, which keeps the full width.
  return (
    <li
      className="grid grid-cols-[1.25rem_minmax(0,1fr)] items-start gap-x-2 gap-y-0.5 px-4 py-2 text-sm sm:grid-cols-[9.5rem_6rem_1.25rem_minmax(0,1fr)] sm:gap-x-3"
      data-kind={e.kind}
      data-member={e.memberName ?? ''}
      data-evidence={e.evidence ?? ''}
    >
      <div className="col-span-2 flex gap-3 sm:contents">
        <time className="font-mono text-xs text-muted" dateTime={e.at}>
          {formatWhen(e.at)}
        </time>
        <span className="truncate text-xs font-medium sm:text-sm">{e.cluster}</span>
      </div>
      <Icon className={`mt-0.5 size-4 ${tone}`} aria-label={word} />
      <EntryText e={e} tone={tone} />
    </li>
  );
}

/** "Nov 23 03:00:12": the day matters once a window spans midnight. */
function formatWhen(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })} ${formatClock(iso)}`;
}
