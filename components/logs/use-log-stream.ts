'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { call, urlOf } from '@/lib/api/client';
import type { LogLine } from '@/lib/logs/types';
import { appendLogLine, resyncLogLines } from '@/lib/query/apply-update';
import { followStream, type StreamStatus } from '@/lib/query/follow-stream';
import { ringKeys } from '@/lib/query/keys';
import type { RingState } from '@/lib/ring/types';

/** Lines the panel keeps. */
export const LOG_KEEP = 500;

export interface LogFilter {
  category?: string;
  member?: string;
}

/**
 * Follows a cluster's log lines into the query cache, through the same follower as the ring
 * stream: it reconnects by itself and counts a stream silent for three polls as dead. On every
 * (re)connect it reads the server's snapshot again, so nothing logged while it was away is lost,
 * and lines numbered like ones already held are dropped, so nothing shows twice.
 */
export function useLogStream(cluster: string, filter: LogFilter): { status: StreamStatus; lastMessageAt: number | null } {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [lastMessageAt, setLastMessageAt] = useState<number | null>(null);
  const { category, member } = filter;

  useEffect(() => {
    const query = { category, member };
    const key = ringKeys.logLines(cluster, JSON.stringify(query));
    const pollInterval = () => queryClient.getQueryData<RingState>(ringKeys.ring(cluster))?.pollIntervalMs ?? 1000;
    // Lines that arrive between a (re)connect and its snapshot's answer wait here.
    let early: LogLine[] | null = [];
    let generation = 0;
    return followStream(urlOf('logStream', { params: { name: cluster }, query }), {
      heartbeat: 'tick',
      staleAfterMs: () => 3 * pollInterval(),
      onStatus: setStatus,
      onHeartbeat: setLastMessageAt,
      onOpen: () => {
        const mine = ++generation;
        early = [];
        call('logs', { params: { name: cluster }, query: { ...query, limit: LOG_KEEP } })
          .then(({ lines }) => {
            if (mine !== generation) return;
            queryClient.setQueryData<LogLine[]>(key, resyncLogLines(lines, early ?? [], LOG_KEEP));
            early = null;
          })
          .catch(() => undefined);
      },
      on: {
        tick: () => {},
        log: (data) => {
          const line = data as LogLine;
          if (early) early.push(line);
          else queryClient.setQueryData<LogLine[]>(key, (prev) => appendLogLine(prev, line, LOG_KEEP));
        },
      },
    });
  }, [cluster, category, member, queryClient]);

  return { status, lastMessageAt };
}
