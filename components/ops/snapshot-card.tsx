'use client';

import { useQuery } from '@tanstack/react-query';
import { Download, HardDrive } from 'lucide-react';
import { useState } from 'react';
import { urlOf } from '@/lib/api/client';
import { backupsQuery } from '@/lib/query/keys';
import type { RingState } from '@/lib/ring/types';
import { Button } from '../ui/button';
import { useAccess } from './use-access';

/**
 * A snapshot downloaded straight to the browser's disk (a native form POST, so nothing is held in
 * page memory). Backups into the cluster's stores are the Backups panel's.
 */
export function SnapshotCard({ cluster, ring }: { cluster: string; ring: RingState }) {
  const { canAct, why, csrf } = useAccess();
  const backups = useQuery(backupsQuery(cluster));
  const [member, setMember] = useState('');
  const sources = ring.members.filter((m) => m.reachable && !m.isLearner);
  return (
    <div className="space-y-3">
      <h3 className="flex items-center gap-2 text-sm font-semibold">
        <HardDrive className="size-4 text-muted" aria-hidden /> Snapshot
      </h3>
      <form method="post" action={urlOf('snapshot', { params: { name: cluster } })} className="flex flex-wrap items-end gap-2">
        <input type="hidden" name="csrf" value={csrf ?? ''} />
        <label className="text-sm">
          <span className="mb-1 block text-xs text-muted">From member</span>
          <select name="member" value={member} onChange={(e) => setMember(e.target.value)} className="rounded-md border border-line bg-bg px-2 py-1.5 text-sm" aria-label="Snapshot from member">
            <option value="">a healthy follower (auto)</option>
            {sources.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}{m.isLeader ? ' (leader)' : ''}
              </option>
            ))}
          </select>
        </label>
        <Button type="submit" variant="primary" disabled={!canAct} title={why ?? undefined}>
          <Download className="size-4" aria-hidden /> Download snapshot
        </Button>
      </form>
      {!canAct && why && <p className="text-xs text-muted">{why}</p>}
      <p className="text-xs text-muted">
        Every snapshot is checked against its SHA-256 trailer while it streams; a bad one never completes.
        {backups.data?.stores.length
          ? ` Backups to the stores (${backups.data.stores.map((s) => s.key).join(', ')}${backups.data.encrypted ? ', encrypted' : ''}) are in the Backups panel below.`
          : ' No backup store is configured (backups in the config).'}
      </p>
    </div>
  );
}
