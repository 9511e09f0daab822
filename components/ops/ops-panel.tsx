'use client';

import { useQuery } from '@tanstack/react-query';
import { ArrowRight, RefreshCcw } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { lowestVersion } from '@/lib/model/etcd-versions';
import { operationsQuery, replacementQuery } from '@/lib/query/keys';
import type { RingState } from '@/lib/ring/types';
import { Panel } from '../ui/panel';
import { AuditLog } from './audit-log';
import { MaintenanceCard } from './maintenance-card';
import { OperationProgress } from './operation-progress';
import { SnapshotCard } from './snapshot-card';
import { useAccess } from './use-access';

/** Guided operations of one cluster: snapshot, maintenance, member replacement, progress, audit. */
export function OpsPanel({ cluster, ring }: { cluster: string; ring: RingState }) {
  const { access } = useAccess();
  const ops = useQuery(operationsQuery(cluster));
  const latest = ops.data?.[0];
  if (access?.mode === 'read-only') return null;
  return (
    <>
      <Panel title="Operations" id="operations">
        <div className="grid gap-6 xl:grid-cols-[1.4fr_1fr_1fr]">
          <SnapshotCard cluster={cluster} ring={ring} />
          <MaintenanceCard cluster={cluster} ring={ring} />
          <ReplaceCard cluster={cluster} ring={ring} />
        </div>
        {latest && (
          <div className="mt-4">
            <OperationProgress op={latest} />
          </div>
        )}
      </Panel>
      <Panel title="Audit log" bodyClassName="">
        <AuditLog cluster={cluster} />
      </Panel>
    </>
  );
}

function ReplaceCard({ cluster, ring }: { cluster: string; ring: RingState }) {
  const view = useQuery(replacementQuery(cluster, null));
  const voters = ring.members.filter((m) => !m.isLearner);
  const down = voters.find((m) => !m.reachable);
  const [member, setMember] = useState('');
  const chosen = member || down?.id || '';
  const inProgress = view.data && !['choose', 'preflight', 'done'].includes(view.data.step);
  return (
    <div className="space-y-3">
      <h3 className="flex items-center gap-2 text-sm font-semibold">
        <RefreshCcw className="size-4 text-muted" aria-hidden /> Replace a member
      </h3>
      {inProgress ? (
        <p className="text-sm">
          A replacement is in progress (step: <strong>{view.data!.step}</strong>).{' '}
          <Link className="inline-flex items-center gap-1 text-accent hover:underline" href={`/clusters/${cluster}/replace`}>
            Continue <ArrowRight className="size-3.5" aria-hidden />
          </Link>
        </p>
      ) : (
        <>
          <p className="text-xs text-muted">Remove, add back as a learner with an empty data dir, start, promote, verify: one member at a time, each step checked against the live ring.</p>
          <div className="flex flex-wrap items-end gap-2">
            <label className="text-sm">
              <span className="mb-1 block text-xs text-muted">Member</span>
              <select value={chosen} onChange={(e) => setMember(e.target.value)} aria-label="Member to replace" className="rounded-md border border-line bg-bg px-2 py-1.5 text-sm">
                <option value="">choose a member</option>
                {voters.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name || m.id}{m.reachable ? '' : ' (down)'}
                  </option>
                ))}
              </select>
            </label>
            <Link
              aria-disabled={!chosen}
              href={chosen ? `/clusters/${cluster}/replace?member=${chosen}` : '#'}
              className={`inline-flex items-center gap-1.5 rounded-md border border-line bg-panel-2 px-3 py-1.5 text-sm font-medium hover:border-accent/60 ${chosen ? '' : 'pointer-events-none opacity-45'}`}
            >
              Open the wizard <ArrowRight className="size-4" aria-hidden />
            </Link>
          </div>
        </>
      )}
      <p className="border-t border-line/60 pt-3 text-xs text-muted">
        etcd {lowestVersion(ring.members.map((m) => m.version)) ?? 'version unknown'}: a rolling upgrade, or 3.6 → 3.5 through etcd’s downgrade API, one member at a time.{' '}
        <Link className="inline-flex items-center gap-1 font-medium text-accent hover:underline" href={`/clusters/${cluster}/upgrade`}>
          Upgrade etcd <ArrowRight className="size-3.5" aria-hidden />
        </Link>
      </p>
    </div>
  );
}
