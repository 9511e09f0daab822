'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { urlOf } from '@/lib/api/client';
import { followStream, type StreamStatus } from '@/lib/query/follow-stream';
import { clustersQuery, ringKeys } from '@/lib/query/keys';
import type { ClusterSummary } from '@/lib/ring/summary';

export interface FleetSnapshot {
  at: string;
  clusters: ClusterSummary[];
}

/** Three poll intervals without a message: the stream is dead and the screen must stop looking live. */
const STALE_AFTER_POLLS = 3;

/**
 * Follows the fleet stream into the query cache that the overview and the NOC screen both read
 * (reconnecting by itself, a silent stream counted as dead): the same live-data path as a
 * cluster's page. The last data stays while it reconnects; `lastMessageAt` says how stale it is.
 */
export function useFleetStream(): { data: ClusterSummary[] | undefined; status: StreamStatus; lastMessageAt: number | null; pollIntervalMs: number } {
  const queryClient = useQueryClient();
  const { data } = useQuery(clustersQuery());
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [lastMessageAt, setLastMessageAt] = useState<number | null>(null);
  const pollMs = useRef(1000);

  useEffect(
    () =>
      followStream(urlOf('fleetStream'), {
        heartbeat: 'fleet',
        staleAfterMs: () => STALE_AFTER_POLLS * pollMs.current,
        onStatus: setStatus,
        onHeartbeat: setLastMessageAt,
        on: {
          fleet: (snap) => {
            const s = snap as FleetSnapshot;
            pollMs.current = slowestPoll(s.clusters);
            queryClient.setQueryData(ringKeys.clusters(), s.clusters);
          },
        },
      }),
    [queryClient],
  );

  return { data, status, lastMessageAt, pollIntervalMs: data ? slowestPoll(data) : 1000 };
}

/** The fleet is as fresh as its slowest poller. */
function slowestPoll(clusters: ClusterSummary[]): number {
  return Math.max(1000, ...clusters.map((c) => c.pollIntervalMs ?? 1000));
}
