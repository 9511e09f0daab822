'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Alert } from '@/lib/alerts/tracker';
import { HISTORY_RANGES } from '@/lib/history/ranges';
import { sampleOf } from '@/lib/history/series';
import { appendSample, applyEvents, applyHashCheck, applyOperation, applyRing } from '@/lib/query/apply-update';
import { fetchEvents, opsKeys, ringKeys, type HistoryResponse } from '@/lib/query/keys';
import type { Operation } from '@/lib/ops/types';
import type { HashCheck } from '@/lib/ring/hashkv';
import type { RingEvent, RingState } from '@/lib/ring/types';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

/** Missing this many poll intervals of updates means the stream is dead even if the socket looks open. */
const STALE_AFTER_POLLS = 3;

/**
 * Follows a cluster's SSE stream into the query cache. Reconnects by itself with backoff, and
 * treats a silent stream as dead: a page must never show old data as if it were live.
 */
export function useRingStream(cluster: string): { status: StreamStatus; lastMessageAt: number | null } {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [lastMessageAt, setLastMessageAt] = useState<number | null>(null);

  useEffect(() => {
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let lastAt = Date.now();
    let closed = false;

    const pollInterval = () => queryClient.getQueryData<RingState>(ringKeys.ring(cluster))?.pollIntervalMs ?? 1000;

    const connect = () => {
      if (closed) return;
      source = new EventSource(`/api/clusters/${cluster}/stream`);
      lastAt = Date.now();
      source.onopen = () => {
        // Polls missed while away are on the server: refetch the live history instead of leaving a hole.
        if (attempts > 0) void queryClient.invalidateQueries({ queryKey: ringKeys.history(cluster, '5m') });
        attempts = 0;
        setStatus('live');
        // Events that happened while we were away: merge, never replace.
        fetchEvents(cluster)
          .then((events) => queryClient.setQueryData<RingEvent[]>(ringKeys.events(cluster), (prev) => applyEvents(prev, events)))
          .catch(() => undefined);
      };
      source.addEventListener('ring', (e) => {
        lastAt = Date.now();
        setLastMessageAt(lastAt);
        setStatus('live');
        const ring = JSON.parse((e as MessageEvent<string>).data) as RingState;
        queryClient.setQueryData<RingState>(ringKeys.ring(cluster), (prev) => applyRing(prev, ring));
        queryClient.setQueriesData<HistoryResponse>({ queryKey: ringKeys.history(cluster, '5m') }, (prev) => appendSample(prev, sampleOf(ring), HISTORY_RANGES['5m'].ms));
      });
      source.addEventListener('alerts', (e) => {
        queryClient.setQueryData<Alert[]>(ringKeys.alerts(cluster), JSON.parse((e as MessageEvent<string>).data) as Alert[]);
      });
      source.addEventListener('ring-event', (e) => {
        const event = JSON.parse((e as MessageEvent<string>).data) as RingEvent;
        queryClient.setQueryData<RingEvent[]>(ringKeys.events(cluster), (prev) => applyEvents(prev, [event]));
      });
      source.addEventListener('hashkv', (e) => {
        const check = JSON.parse((e as MessageEvent<string>).data) as HashCheck;
        queryClient.setQueryData<HashCheck>(ringKeys.hashkv(cluster), (prev) => applyHashCheck(prev, check));
      });
      source.addEventListener('operation', (e) => {
        const op = JSON.parse((e as MessageEvent<string>).data) as Operation;
        queryClient.setQueryData<Operation[]>(opsKeys.operations(cluster), (prev) => applyOperation(prev, op));
        // Every step can change membership, backups or the audit log: refresh what shows them.
        void queryClient.invalidateQueries({ queryKey: opsKeys.replacement(cluster) });
        if (op.state !== 'running') {
          void queryClient.invalidateQueries({ queryKey: opsKeys.audit(cluster) });
          void queryClient.invalidateQueries({ queryKey: opsKeys.backups(cluster) });
        }
      });
      source.onerror = () => reconnect();
    };

    const reconnect = () => {
      source?.close();
      source = null;
      if (closed) return;
      setStatus('reconnecting');
      clearTimeout(retryTimer);
      const delay = Math.min(5000, 500 * 2 ** attempts++);
      retryTimer = setTimeout(connect, delay);
    };

    const watchdog = setInterval(() => {
      if (source && Date.now() - lastAt > STALE_AFTER_POLLS * pollInterval()) reconnect();
    }, 500);

    connect();
    return () => {
      closed = true;
      clearInterval(watchdog);
      clearTimeout(retryTimer);
      source?.close();
    };
  }, [cluster, queryClient]);

  return { status, lastMessageAt };
}
