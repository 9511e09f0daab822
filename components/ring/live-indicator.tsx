'use client';

import { Loader2, Radio, WifiOff } from 'lucide-react';
import { formatAge } from '@/lib/model/format';
import type { StreamStatus } from './use-ring-stream';

export interface Freshness {
  stale: boolean;
  ageMs: number | null;
}

/** How fresh the shown data is; stale after three missed poll intervals or a dropped stream. */
export function freshnessOf(status: StreamStatus, updatedAt: number, pollIntervalMs: number, now: number): Freshness {
  if (!updatedAt) return { stale: true, ageMs: null };
  const ageMs = Math.max(0, now - updatedAt);
  // Still connecting with fresh data (the server's own state, rendered into the first paint) is
  // not stale; a dropped stream or three poll intervals without news is.
  return { stale: status === 'reconnecting' || ageMs > 3 * pollIntervalMs, ageMs };
}

/** `subject` names a part of the page with its own stream (the log lines), apart from the page's own indicator. */
export function LiveIndicator({ status, freshness, subject }: { status: StreamStatus; freshness: Freshness; subject?: string }) {
  if (!freshness.stale) {
    return (
      <span className="inline-flex items-center gap-1.5 text-sm text-ok" role="status" aria-label={subject ? `${subject}: Live` : 'Live'}>
        <Radio className="size-4" aria-hidden />
        <span className="font-medium">Live</span>
        <span className="text-muted num">updated {formatAge(freshness.ageMs ?? 0)} ago</span>
      </span>
    );
  }
  const Icon = status === 'connecting' ? Loader2 : WifiOff;
  return (
    <span className="inline-flex items-center gap-1.5 text-sm font-medium text-warn" role="status" aria-label={subject ? `${subject}: Stale` : 'Stale'}>
      <Icon className={`size-4 ${status === 'connecting' ? 'animate-spin' : ''}`} aria-hidden />
      {status === 'connecting' ? 'Connecting…' : 'Stale'}
      {freshness.ageMs !== null && <span className="num">· data {formatAge(freshness.ageMs)} old</span>}
      {status !== 'live' && status !== 'connecting' && <span className="text-muted">· reconnecting</span>}
    </span>
  );
}

export function StaleBanner({ freshness }: { freshness: Freshness }) {
  if (!freshness.stale || freshness.ageMs === null) return null;
  return (
    <div role="alert" className="flex items-center gap-2 rounded-md border border-warn/50 bg-warn-bg px-4 py-2 text-sm text-warn">
      <WifiOff className="size-4 shrink-0" aria-hidden />
      <span>
        <strong>Not live.</strong> The connection to Ringside dropped; what you see is{' '}
        <span className="num">{formatAge(freshness.ageMs)}</span> old. Reconnecting by itself.
      </span>
    </div>
  );
}
