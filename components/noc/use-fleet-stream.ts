'use client';

import { useEffect, useRef, useState } from 'react';
import { followStream, type StreamStatus } from '@/lib/query/follow-stream';
import type { ClusterSummary } from '@/lib/ring/summary';

export interface FleetSnapshot {
  at: string;
  clusters: ClusterSummary[];
}

/** Three poll intervals without a message: the stream is dead and the screen must stop looking live. */
const STALE_AFTER_POLLS = 3;

/**
 * Follows `/api/fleet/stream` (reconnecting by itself, a silent stream counted as dead). The last
 * data stays available while it reconnects; the screen decides from `lastMessageAt` how stale it is.
 */
export function useFleetStream(): { data: FleetSnapshot | null; status: StreamStatus; lastMessageAt: number | null; pollIntervalMs: number } {
  const [data, setData] = useState<FleetSnapshot | null>(null);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [lastMessageAt, setLastMessageAt] = useState<number | null>(null);
  const pollMs = useRef(1000);

  useEffect(
    () =>
      followStream('/api/fleet/stream', {
        heartbeat: 'fleet',
        staleAfterMs: () => STALE_AFTER_POLLS * pollMs.current,
        onStatus: setStatus,
        onHeartbeat: setLastMessageAt,
        on: {
          fleet: (snap) => {
            const s = snap as FleetSnapshot;
            pollMs.current = slowestPoll(s);
            setData(s);
          },
        },
      }),
    [],
  );

  return { data, status, lastMessageAt, pollIntervalMs: data ? slowestPoll(data) : 1000 };
}

/** The fleet is as fresh as its slowest poller. */
function slowestPoll(s: FleetSnapshot): number {
  return Math.max(1000, ...s.clusters.map((c) => c.pollIntervalMs ?? 1000));
}
