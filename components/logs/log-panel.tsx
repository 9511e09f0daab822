'use client';

import { skipToken, useQuery } from '@tanstack/react-query';
import { Pause, Play } from 'lucide-react';
import { useState } from 'react';
import type { LogLine } from '@/lib/logs/types';
import { ringKeys, ringQuery } from '@/lib/query/keys';
import { freshnessOf, LiveIndicator } from '../ring/live-indicator';
import { useNow } from '../ui/use-now';
import { LogLineRow } from './log-line-row';
import { useLogStream } from './use-log-stream';

/**
 * The members' etcd log lines, live. A member filter; "Corruption only" narrows to corruption
 * evidence (the checks' own rounds and settings stay out of it); pause freezes the view while
 * lines keep arriving (and says how many). Stale like the rest of the page when the stream is.
 */
export function LogPanel({ cluster, sources, members }: { cluster: string; sources: number; members: string[] }) {
  const [corruptionOnly, setCorruptionOnly] = useState(false);
  const [member, setMember] = useState('');
  const [frozen, setFrozen] = useState<LogLine[] | null>(null);
  const filter = { category: corruptionOnly ? 'corruption' : undefined, member: member || undefined };
  const { status, lastMessageAt } = useLogStream(cluster, filter);
  const { data: live = [] } = useQuery<LogLine[]>({ queryKey: ringKeys.logLines(cluster, JSON.stringify(filter)), queryFn: skipToken, staleTime: Infinity });
  const { data: ring } = useQuery(ringQuery(cluster));
  const now = useNow(1000);
  const paused = frozen !== null;
  const lines = frozen ?? live;
  const lastSeen = frozen?.at(-1)?.seq ?? 0;
  const arrived = paused ? live.filter((l) => (l.seq ?? 0) > lastSeen).length : 0;
  const freshness = freshnessOf(status, lastMessageAt ?? 0, ring?.pollIntervalMs ?? 1000, now);

  if (sources === 0) {
    return (
      <p className="px-4 py-4 text-sm text-muted">
        No log sources configured for this cluster. Add <code className="font-mono text-fg">logs.files</code> (the members&apos; log files) or{' '}
        <code className="font-mono text-fg">logs.kubernetes</code> to its config to see corruption evidence here.
      </p>
    );
  }

  const shown = [...lines].reverse();
  return (
    <div>
      <div className="flex flex-wrap items-center gap-3 border-b border-line px-3 py-2 text-sm">
        <label className="inline-flex items-center gap-2">
          <span className="text-muted">Member</span>
          <select aria-label="Log lines from member" value={member} onChange={(e) => setMember(e.target.value)} className="rounded-md border border-line bg-bg px-2 py-1">
            <option value="">all members</option>
            {members.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-flex cursor-pointer items-center gap-2">
          <input type="checkbox" checked={corruptionOnly} onChange={(e) => setCorruptionOnly(e.target.checked)} className="size-4 accent-[var(--crit)]" />
          Corruption only
        </label>
        <button
          type="button"
          // Resuming shows what arrived meanwhile: the view is the live list again.
          onClick={() => setFrozen(paused ? null : live)}
          className="inline-flex items-center gap-1.5 rounded border border-line px-2 py-0.5 hover:bg-panel-2"
          aria-pressed={paused}
        >
          {paused ? <Play className="size-3.5" aria-hidden /> : <Pause className="size-3.5" aria-hidden />}
          {paused ? `Resume${arrived ? ` (${arrived} new)` : ''}` : 'Pause'}
        </button>
        <span className="ml-auto inline-flex items-center gap-3 text-xs text-muted">
          {freshness.stale && <LiveIndicator status={status} freshness={freshness} subject="Log lines" />}
          newest first · {lines.length} lines
        </span>
      </div>
      {shown.length === 0 ? (
        <p className="px-4 py-4 text-sm text-muted">
          {corruptionOnly ? 'No corruption evidence: no check has found a difference.' : 'No lines yet.'}
          {member && ` (only ${member})`}
        </p>
      ) : (
        <ol className="max-h-[420px] divide-y divide-line/40 overflow-y-auto" aria-label="Log lines">
          {shown.map((l, i) => (
            <LogLineRow key={l.seq ?? `${l.at}-${i}`} line={l} />
          ))}
        </ol>
      )}
    </div>
  );
}
