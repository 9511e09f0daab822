'use client';

import { useEffect, useRef, useState } from 'react';
import type { ClusterSummary } from '@/lib/ring/summary';

export interface FleetSnapshot {
  at: string;
  clusters: ClusterSummary[];
}

/** Three poll intervals without a message: the screen must stop looking live. */
const STALE_AFTER_POLLS = 3;

/**
 * Follows `/api/fleet/stream`. A silent stream counts as dead: after three poll intervals without
 * a message the status is `stale`, the connection is dropped and opened again with backoff, and the
 * last data stays on screen marked as stale until fresh data arrives.
 */
export function useFleetStream(): { data: FleetSnapshot | null; status: 'connecting' | 'live' | 'stale'; lastMessageAt: number | null } {
  const [data, setData] = useState<FleetSnapshot | null>(null);
  const [status, setStatus] = useState<'connecting' | 'live' | 'stale'>('connecting');
  const [lastMessageAt, setLastMessageAt] = useState<number | null>(null);
  const pollMs = useRef(1000);

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let lastAt = Date.now();
    let closed = false;

    const connect = () => {
      if (closed) return;
      source = new EventSource('/api/fleet/stream');
      lastAt = Date.now();
      source.addEventListener('fleet', (e) => {
        const snap = JSON.parse((e as MessageEvent<string>).data) as FleetSnapshot;
        lastAt = Date.now();
        attempts = 0;
        pollMs.current = Math.max(1000, ...snap.clusters.map((c) => c.pollIntervalMs ?? 1000));
        setData(snap);
        setLastMessageAt(lastAt);
        setStatus('live');
      });
      source.onerror = () => reconnect();
    };
    const reconnect = () => {
      source?.close();
      source = null;
      if (closed) return;
      clearTimeout(retry);
      retry = setTimeout(connect, Math.min(5000, 500 * 2 ** attempts++));
    };
    const watchdog = setInterval(() => {
      if (Date.now() - lastAt > STALE_AFTER_POLLS * pollMs.current) {
        setStatus('stale');
        if (source) reconnect();
      }
    }, 250);
    connect();
    return () => {
      closed = true;
      clearInterval(watchdog);
      clearTimeout(retry);
      source?.close();
    };
  }, []);

  return { data, status, lastMessageAt };
}
