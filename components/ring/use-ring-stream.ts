'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Alert } from '@/lib/alerts/tracker';
import { urlOf } from '@/lib/api/client';
import { HISTORY_RANGES } from '@/lib/model/ranges';
import { sampleOf } from '@/lib/model/series';
import { appendSample, applyEvents, applyHashCheck, applyOperation, applyRing } from '@/lib/query/apply-update';
import { followStream, type StreamStatus } from '@/lib/query/follow-stream';
import { fetchEvents, opsKeys, ringKeys, type HistoryResponse } from '@/lib/query/keys';
import type { BackupStatus } from '@/lib/backups/types';
import type { Operation } from '@/lib/ops/types';
import type { HashCheck } from '@/lib/ring/hashkv';
import type { RingEvent, RingState } from '@/lib/ring/types';

export type { StreamStatus };

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
    const pollInterval = () => queryClient.getQueryData<RingState>(ringKeys.ring(cluster))?.pollIntervalMs ?? 1000;
    return followStream(urlOf('ringStream', { params: { name: cluster } }), {
      heartbeat: 'ring',
      staleAfterMs: () => STALE_AFTER_POLLS * pollInterval(),
      onStatus: setStatus,
      onHeartbeat: setLastMessageAt,
      onOpen: (reconnected) => {
        // Polls missed while away are on the server: refetch the live history instead of leaving a hole.
        if (reconnected) void queryClient.invalidateQueries({ queryKey: ringKeys.history(cluster, '5m') });
        // Events that happened while we were away: merge, never replace.
        fetchEvents(cluster)
          .then((events) => queryClient.setQueryData<RingEvent[]>(ringKeys.events(cluster), (prev) => applyEvents(prev, events)))
          .catch(() => undefined);
      },
      on: {
        ring: (data) => {
          const ring = data as RingState;
          queryClient.setQueryData<RingState>(ringKeys.ring(cluster), (prev) => applyRing(prev, ring));
          queryClient.setQueriesData<HistoryResponse>({ queryKey: ringKeys.history(cluster, '5m') }, (prev) => appendSample(prev, sampleOf(ring), HISTORY_RANGES['5m'].ms));
        },
        alerts: (data) => queryClient.setQueryData<Alert[]>(ringKeys.alerts(cluster), data as Alert[]),
        backups: (data) => queryClient.setQueryData<BackupStatus | null>(ringKeys.backupStatus(cluster), data as BackupStatus | null),
        'ring-event': (data) => queryClient.setQueryData<RingEvent[]>(ringKeys.events(cluster), (prev) => applyEvents(prev, [data as RingEvent])),
        hashkv: (data) => queryClient.setQueryData<HashCheck>(ringKeys.hashkv(cluster), (prev) => applyHashCheck(prev, data as HashCheck)),
        operation: (data) => {
          const op = data as Operation;
          queryClient.setQueryData<Operation[]>(opsKeys.operations(cluster), (prev) => applyOperation(prev, op));
          // Every step can change membership, backups or the audit log: refresh what shows them.
          void queryClient.invalidateQueries({ queryKey: opsKeys.replacement(cluster) });
          if (op.state !== 'running') {
            void queryClient.invalidateQueries({ queryKey: opsKeys.audit(cluster) });
            void queryClient.invalidateQueries({ queryKey: opsKeys.backups(cluster) });
          }
        },
      },
    });
  }, [cluster, queryClient]);

  return { status, lastMessageAt };
}
