'use client';

import { Pause, Play } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { LogLine } from '@/lib/logs/types';
import { LogLineRow } from './log-line-row';

const KEEP = 500;

/** A line with a key that stays the same across renders, so React reuses rows. */
interface Keyed {
  key: number;
  line: LogLine;
}

let nextKey = 0;
const keyed = (line: LogLine): Keyed => ({ key: nextKey++, line });

/**
 * The members' etcd log lines, live. A member filter; "Corruption only" narrows to corruption
 * evidence (the checks' own rounds and settings stay out of it); pause freezes the view while
 * lines keep arriving (and says how many).
 */
export function LogPanel({ cluster, sources, members }: { cluster: string; sources: number; members: string[] }) {
  const [corruptionOnly, setCorruptionOnly] = useState(false);
  const [member, setMember] = useState('');
  const [paused, setPaused] = useState(false);
  const [lines, setLines] = useState<Keyed[]>([]);
  const [pending, setPending] = useState<Keyed[]>([]);
  const pausedRef = useRef(paused);

  useEffect(() => {
    const filter = `${corruptionOnly ? 'category=corruption&' : ''}${member ? `member=${encodeURIComponent(member)}&` : ''}`;
    let closed = false;
    let snapshot = false;
    const early: LogLine[] = [];
    const add = (line: Keyed) => {
      if (pausedRef.current) setPending((p) => [...p, line].slice(-KEEP));
      else setLines((l) => [...l, line].slice(-KEEP));
    };
    // Subscribe first, then read the snapshot: a line logged in between arrives on the stream,
    // and `seq` drops the ones the snapshot already holds.
    const source = new EventSource(`/api/clusters/${cluster}/logs/stream?${filter}`);
    source.addEventListener('log', (e) => {
      const line = JSON.parse((e as MessageEvent<string>).data) as LogLine;
      if (snapshot) add(keyed(line));
      else early.push(line);
    });
    fetch(`/api/clusters/${cluster}/logs?${filter}limit=${KEEP}`)
      .then((r) => r.json() as Promise<{ lines: LogLine[] }>)
      .then((body) => {
        if (closed) return;
        const last = Math.max(0, ...body.lines.map((l) => l.seq ?? 0));
        setLines([...body.lines, ...early.filter((l) => (l.seq ?? 0) > last)].slice(-KEEP).map(keyed));
        setPending([]);
        snapshot = true;
      })
      .catch(() => undefined);
    return () => {
      closed = true;
      source.close();
    };
  }, [cluster, corruptionOnly, member]);

  const togglePause = () => {
    pausedRef.current = !paused;
    if (paused) {
      // Resuming: what arrived meanwhile joins the view.
      setLines((l) => [...l, ...pending].slice(-KEEP));
      setPending([]);
    }
    setPaused(!paused);
  };

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
          onClick={togglePause}
          className="inline-flex items-center gap-1.5 rounded border border-line px-2 py-0.5 hover:bg-panel-2"
          aria-pressed={paused}
        >
          {paused ? <Play className="size-3.5" aria-hidden /> : <Pause className="size-3.5" aria-hidden />}
          {paused ? `Resume${pending.length ? ` (${pending.length} new)` : ''}` : 'Pause'}
        </button>
        <span className="ml-auto text-xs text-muted">newest first · {lines.length} lines</span>
      </div>
      {shown.length === 0 ? (
        <p className="px-4 py-4 text-sm text-muted">
          {corruptionOnly ? 'No corruption evidence: no check has found a difference.' : 'No lines yet.'}
          {member && ` (only ${member})`}
        </p>
      ) : (
        <ol className="max-h-[420px] divide-y divide-line/40 overflow-y-auto" aria-label="Log lines">
          {shown.map((l) => (
            <LogLineRow key={l.key} line={l.line} />
          ))}
        </ol>
      )}
    </div>
  );
}
