'use client';

import { useQuery } from '@tanstack/react-query';
import { Download, HardDrive, Lock } from 'lucide-react';
import { useState } from 'react';
import { urlOf } from '@/lib/api/client';
import { formatBytes, formatClock } from '@/lib/model/format';
import type { StoredSnapshot } from '@/lib/ops/types';
import { backupsQuery } from '@/lib/query/keys';
import type { RingState } from '@/lib/ring/types';
import { Button } from '../ui/button';
import { useAccess, useAction } from './use-access';

/**
 * Snapshots: a download streamed straight to the browser's disk (a native form POST, so nothing
 * is held in page memory), or a verified copy in the backup directory, with what etcdctl
 * snapshot status would say of each and how to restore from it.
 */
export function SnapshotCard({ cluster, ring }: { cluster: string; ring: RingState }) {
  const { canAct, why, csrf } = useAccess();
  const backups = useQuery(backupsQuery(cluster));
  const action = useAction(cluster);
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
        {backups.data?.dir && (
          <Button disabled={!canAct || action.isPending} title={why ?? undefined} onClick={() => action.mutate({ action: 'backup', body: member ? { member } : {} })}>
            <HardDrive className="size-4" aria-hidden /> Save to backup directory
          </Button>
        )}
      </form>
      {action.error && <p role="alert" className="text-sm text-crit">{action.error.message}</p>}
      {!canAct && why && <p className="text-xs text-muted">{why}</p>}
      <p className="text-xs text-muted">
        Every snapshot is checked against its SHA-256 trailer while it streams; a bad one never completes.
        {backups.data?.dir
          ? ` Backups go to ${backups.data.dir.startsWith('<') ? 'the backup directory (backups.dir; its path is shown to signed-in operators)' : backups.data.dir}, newest ${backups.data.keep} kept${backups.data.encrypted ? ', encrypted (AES-256-GCM)' : ''}.`
          : ' No backup directory is configured (backups.dir).'}
      </p>
      {backups.data && backups.data.snapshots.length > 0 && <StoredList snapshots={backups.data.snapshots} />}
    </div>
  );
}

function StoredList({ snapshots }: { snapshots: StoredSnapshot[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-[13px]" aria-label="Stored snapshots">
        <thead>
          <tr className="border-b border-line text-left text-[11px] font-semibold uppercase tracking-wider text-muted">
            <th className="py-1.5 pr-3">Taken</th>
            <th className="pr-3">Member</th>
            <th className="pr-3 text-right">Revision</th>
            <th className="pr-3 text-right">Keys</th>
            <th className="pr-3 text-right">Size</th>
            <th className="pr-3">Hash (etcdctl)</th>
            <th className="pr-3">SHA-256</th>
            <th>Restore</th>
          </tr>
        </thead>
        <tbody>
          {snapshots.map((s) => (
            <tr key={s.file} className="border-b border-line/50 align-top [&>td]:py-1.5">
              <td className="pr-3 whitespace-nowrap">{formatClock(s.takenAt)}</td>
              <td className="pr-3">{s.member.name}</td>
              <td className="pr-3 text-right font-mono">{s.revision}</td>
              <td className="pr-3 text-right font-mono">{s.status?.totalKey ?? '–'}</td>
              <td className="pr-3 text-right font-mono whitespace-nowrap">
                {formatBytes(s.status?.totalSize ?? s.size)}
                {s.encrypted && <Lock className="ml-1 inline size-3.5 text-muted" aria-label="encrypted" />}
              </td>
              <td className="pr-3 font-mono">{s.status?.hash ?? '–'}</td>
              <td className="pr-3 font-mono" title={s.sha256}>{s.sha256.slice(0, 12)}…</td>
              <td>
                <details>
                  <summary className="cursor-pointer text-accent">commands</summary>
                  <div className="mt-1 space-y-2">
                    <p className="font-mono text-xs text-muted break-all">{s.file}</p>
                    <ol className="list-decimal space-y-0.5 pl-4 text-xs text-muted">
                      {s.restore.steps.map((step) => (
                        <li key={step}>{step}</li>
                      ))}
                    </ol>
                    {s.restore.commands.map((c) => (
                      <pre key={c.member} aria-label={`Restore ${c.member}`} className="overflow-x-auto rounded bg-bg p-2 font-mono text-xs">{c.command}</pre>
                    ))}
                  </div>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
