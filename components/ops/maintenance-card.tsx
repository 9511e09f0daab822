'use client';

import { Crown, Eraser, Siren } from 'lucide-react';
import { useState } from 'react';
import { formatBytes } from '@/lib/model/format';
import type { RingState } from '@/lib/ring/types';
import { Button } from '../ui/button';
import { ConfirmDialog } from './confirm-dialog';
import { useAccess, useAction } from './use-access';

type Dialog = { kind: 'defrag' } | { kind: 'disarm'; alarm: 'NOSPACE' | 'CORRUPT' } | null;

/** Defragment (rolling), move the leader, disarm alarms: each confirmed, each refused when unsafe. */
export function MaintenanceCard({ cluster, ring }: { cluster: string; ring: RingState }) {
  const { canAct, why } = useAccess();
  const action = useAction(cluster);
  const [dialog, setDialog] = useState<Dialog>(null);
  const voters = ring.members.filter((m) => !m.isLearner && m.reachable && !m.isLeader);
  const [to, setTo] = useState('');
  const order = [...ring.members.filter((m) => m.started)].sort((a, b) => Number(a.isLeader) - Number(b.isLeader) || a.name.localeCompare(b.name));
  const alarms = [...new Set(ring.alarms.map((a) => a.alarm))];
  return (
    <div className="space-y-3">
      <h3 className="flex items-center gap-2 text-sm font-semibold">
        <Eraser className="size-4 text-muted" aria-hidden /> Maintenance
      </h3>
      <div className="flex flex-wrap items-center gap-2">
        <Button disabled={!canAct} title={why ?? undefined} onClick={() => setDialog({ kind: 'defrag' })}>
          <Eraser className="size-4" aria-hidden /> Defragment all members…
        </Button>
      </div>
      <div className="flex flex-wrap items-end gap-2">
        <label className="text-sm">
          <span className="mb-1 block text-xs text-muted">Move leadership to</span>
          <select value={to} onChange={(e) => setTo(e.target.value)} aria-label="Move leadership to" className="rounded-md border border-line bg-bg px-2 py-1.5 text-sm">
            <option value="">choose a voter</option>
            {voters.map((m) => (
              <option key={m.id} value={m.id}>{m.name}</option>
            ))}
          </select>
        </label>
        <Button disabled={!canAct || !to || action.isPending} title={why ?? undefined} onClick={() => action.mutate({ action: 'moveLeader', body: { to } })}>
          <Crown className="size-4" aria-hidden /> Move leader
        </Button>
      </div>
      {alarms.length > 0 && (
        <div className="flex flex-wrap gap-2">
          {alarms.map((a) => (
            <Button key={a} variant="danger" disabled={!canAct} title={why ?? undefined} onClick={() => setDialog({ kind: 'disarm', alarm: a })}>
              <Siren className="size-4" aria-hidden /> Disarm {a}…
            </Button>
          ))}
        </div>
      )}
      {action.error && <p role="alert" className="text-sm text-crit">{action.error.message}</p>}

      {dialog?.kind === 'defrag' && (
        <ConfirmDialog
          title="Defragment every member, one at a time"
          confirmLabel="Defragment"
          onClose={() => setDialog(null)}
          onConfirm={() => action.mutate({ action: 'defragment' })}
        >
          <p>Each member stops answering while it rewrites its database. Followers go first; leadership moves to a healthy follower before the leader&apos;s turn, so writes keep flowing.</p>
          <ol className="list-decimal pl-5">
            {order.map((m) => (
              <li key={m.id}>
                {m.name}
                {m.isLeader ? ' (leader: last, after handing over)' : ''} — db {formatBytes(m.dbSize)}, {formatBytes(m.dbSizeInUse)} in use
              </li>
            ))}
          </ol>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'disarm' && (
        <ConfirmDialog
          title={`Disarm ${dialog.alarm}`}
          confirmLabel={`Disarm ${dialog.alarm}`}
          danger
          typed={cluster}
          onClose={() => setDialog(null)}
          onConfirm={(confirm) => action.mutate({ action: 'disarmAlarm', body: { alarm: dialog.alarm, confirm } })}
        >
          {dialog.alarm === 'NOSPACE' ? (
            <p>Compacts the history to the current revision (older revisions are gone for good), defragments every member one at a time, then disarms NOSPACE. If the data itself still exceeds the quota, raise --quota-backend-bytes or delete keys first.</p>
          ) : (
            <p>Only allowed once HashKV agrees on every voter at one revision, i.e. after the member that diverged was replaced. Ringside runs a fresh check first and refuses otherwise.</p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
