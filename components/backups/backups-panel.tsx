'use client';

import { useQuery } from '@tanstack/react-query';
import { AlertTriangle, ArrowRight, CircleHelp, Cloud, FlaskConical, HardDrive, Lock, ShieldCheck, XCircle } from 'lucide-react';
import Link from 'next/link';
import type { BackupsResponse } from '@/lib/api/contract';
import type { BackupStatus } from '@/lib/backups/types';
import { drillWords, periodWords, type DrillState } from '@/lib/model/backups';
import { abbreviateHashes, formatAge, formatBytes, formatUtc } from '@/lib/model/format';
import type { StoredSnapshot } from '@/lib/ops/types';
import { backupStatusQuery, backupsQuery } from '@/lib/query/keys';
import { useAccess, useAction } from '../ops/use-access';
import { Button } from '../ui/button';
import { FreshnessBadge } from './freshness-badge';

const drillLook: Record<DrillState, { Icon: typeof ShieldCheck; tone: string }> = {
  passed: { Icon: ShieldCheck, tone: 'text-ok' },
  failed: { Icon: XCircle, tone: 'text-crit' },
  never: { Icon: CircleHelp, tone: 'text-muted' },
};

/**
 * Backups you can restore from: how fresh the newest verified one is, the schedule, retention and
 * drills as configured, the stores, and every stored backup newest first with its store and last
 * restore drill ("proven restorable at ..."), a drill on demand, and the way to the disaster
 * restore wizard.
 */
export function BackupsPanel({ cluster, now }: { cluster: string; now: number }) {
  const { data, error } = useQuery(backupsQuery(cluster));
  const status = useQuery(backupStatusQuery(cluster)).data;
  if (error && !data) return <p className="p-4 text-sm text-crit">Cannot list the backups: {error.message}</p>;
  if (!data) return <p className="p-4 text-sm text-muted">Listing the backup stores…</p>;
  if (!data.stores.length) {
    return <p className="p-4 text-sm text-muted">No backup store is configured for {cluster} (backups in the config: a local directory or an S3 bucket, a schedule, retention and drills; README: Configuration).</p>;
  }
  return (
    <div className="space-y-3 p-4">
      <Summary cluster={cluster} data={data} status={status} now={now} />
      {data.snapshots.length === 0 ? (
        <p className="text-sm text-muted">No backup in {data.stores.length === 1 ? 'the store' : 'any store'} yet.</p>
      ) : (
        <>
          <ul className="space-y-2 sm:hidden" aria-label="Stored backups">
            {data.snapshots.map((s) => (
              <BackupCard key={`${s.storeKey}/${s.id}`} cluster={cluster} s={s} now={now} several={data.stores.length > 1} />
            ))}
          </ul>
          <div className="hidden overflow-x-auto sm:block">
            <table className="w-full text-[13px]" aria-label="Stored backups">
              <thead>
                <tr className="border-b border-line text-left text-[11px] font-semibold uppercase tracking-wider text-muted">
                  <th className="py-1.5 pr-3">Taken</th>
                  <th className="pr-3">From</th>
                  <th className="pr-3 text-right">Revision</th>
                  <th className="pr-3 text-right">Keys</th>
                  <th className="pr-3 text-right">Size</th>
                  <th className="pr-3">Store</th>
                  <th className="pr-3">Restore drill</th>
                  <th>Restore</th>
                </tr>
              </thead>
              <tbody>
                {data.snapshots.map((s) => (
                  <BackupRow key={`${s.storeKey}/${s.id}`} cluster={cluster} s={s} now={now} several={data.stores.length > 1} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

function Summary({ cluster, data, status, now }: { cluster: string; data: BackupsResponse; status: BackupStatus | null | undefined; now: number }) {
  const { canAct, why } = useAccess();
  const action = useAction(cluster);
  const s = data.schedule;
  const g = s.generations;
  const policy = [
    s.everyMs ? `every ${periodWords(s.everyMs)}` : 'on demand only (no schedule)',
    s.staleAfterMs ? `stale after ${periodWords(s.staleAfterMs)}` : null,
    data.keep ? `keep the newest ${data.keep}` : null,
    g ? `generations: all ${periodWords(g.allMs)}, one an hour for ${periodWords(g.hourlyMs)}, one a day for ${periodWords(g.dailyMs)}` : null,
    s.drill.everyMs ? `a restore drill every ${periodWords(s.drill.everyMs)}` : 'drills on demand',
    data.encrypted ? 'encrypted (AES-256-GCM)' : null,
  ].filter(Boolean);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <FreshnessBadge status={status} now={now} proven />
        <span className="text-xs text-muted">{policy.join(' · ')}</span>
        <span className="ml-auto flex flex-wrap items-center gap-2">
          <Button disabled={!canAct || action.isPending} title={why ?? undefined} onClick={() => action.mutate({ action: 'backup', body: {} })}>
            <HardDrive className="size-4" aria-hidden /> Back up now
          </Button>
          <Link href={`/clusters/${cluster}/restore`} className="inline-flex items-center gap-1.5 rounded-md border border-line bg-panel-2 px-3 py-1.5 text-sm font-medium hover:border-accent/60">
            Disaster restore <ArrowRight className="size-4" aria-hidden />
          </Link>
        </span>
      </div>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted" aria-label="Backup stores">
        {data.stores.map((st) => (
          <li key={st.key} className="flex min-w-0 items-baseline gap-1.5">
            {st.kind === 's3' ? <Cloud className="size-3.5 shrink-0 self-center" aria-hidden /> : <HardDrive className="size-3.5 shrink-0 self-center" aria-hidden />}
            <span className="shrink-0 font-semibold whitespace-nowrap text-fg">{st.key}</span>
            <span className="min-w-0 font-mono break-all">{st.name}</span>
          </li>
        ))}
      </ul>
      {data.storeErrors.map((e) => (
        <p key={e.store} role="alert" className="flex items-start gap-2 text-sm text-crit">
          <XCircle className="mt-0.5 size-4 shrink-0" aria-hidden /> {e.store} cannot be listed: {e.error}
        </p>
      ))}
      {s.skipped && (
        <p className="flex items-start gap-2 text-sm text-warn">
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden /> {s.skipped}
        </p>
      )}
      {s.drill.note && (
        <p className="flex items-start gap-2 text-sm text-muted">
          <FlaskConical className="mt-0.5 size-4 shrink-0" aria-hidden /> Drills: {s.drill.note}.
        </p>
      )}
      {status?.lastDrill?.result === 'failed' && (
        <p role="alert" className="flex items-start gap-2 rounded-md border border-crit/50 bg-crit-bg px-3 py-2 text-sm text-crit" title={status.lastDrill.reason}>
          <XCircle className="mt-0.5 size-4 shrink-0" aria-hidden />
          <span>
            The restore drill of <span className="font-mono">{status.lastDrill.backup}</span> failed at {formatUtc(status.lastDrill.at)}: {abbreviateHashes(status.lastDrill.reason)}
          </span>
        </p>
      )}
      {action.error && <p role="alert" className="text-sm text-crit">{action.error.message}</p>}
      {!canAct && why && <p className="text-xs text-muted">{why}</p>}
    </div>
  );
}

function DrillCell({ s }: { s: StoredSnapshot }) {
  const w = drillWords(s.drill);
  const l = drillLook[w.state];
  return (
    <span className={`inline-flex items-start gap-1 ${l.tone}`} data-drill={w.state} title={s.drill?.reason}>
      <l.Icon className="mt-0.5 size-3.5 shrink-0" aria-hidden />
      <span>
        {w.text}
        {w.state === 'failed' && <span className="block max-w-[22rem] whitespace-normal text-xs">{abbreviateHashes(s.drill!.reason)}</span>}
      </span>
    </span>
  );
}

function DrillButton({ cluster, s, several }: { cluster: string; s: StoredSnapshot; several: boolean }) {
  const { canAct, why } = useAccess();
  const action = useAction(cluster);
  return (
    <>
      <Button
        className="px-2 py-0.5 text-xs"
        disabled={!canAct || action.isPending}
        title={why ?? 'Restore it into a throwaway etcd on 127.0.0.1 and compare it with the ring at backup time'}
        aria-label={`Drill ${s.id}${several ? ` in ${s.storeKey}` : ''}`}
        onClick={() => action.mutate({ action: 'drill', backup: s.id, body: { store: s.storeKey } })}
      >
        <FlaskConical className="size-3.5" aria-hidden /> Drill
      </Button>
      {action.error && <span role="alert" className="block max-w-[22rem] whitespace-normal text-xs text-crit">{action.error.message}</span>}
    </>
  );
}

function Commands({ s }: { s: StoredSnapshot }) {
  return (
    <details>
      <summary className="cursor-pointer text-accent">commands</summary>
      <div className="mt-1 space-y-2">
        <p className="font-mono text-xs break-all text-muted">{s.file}</p>
        <ol className="list-decimal space-y-0.5 pl-4 text-xs text-muted">
          {s.restore.steps.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ol>
        {s.restore.commands.map((c) => (
          <pre key={c.member} aria-label={`Restore ${c.member}`} className="overflow-x-auto rounded bg-bg p-2 font-mono text-xs">
            {c.command}
          </pre>
        ))}
      </div>
    </details>
  );
}

function BackupRow({ cluster, s, now, several }: { cluster: string; s: StoredSnapshot; now: number; several: boolean }) {
  return (
    <tr className="border-b border-line/50 align-top [&>td]:py-1.5" data-backup={s.id} data-store={s.storeKey}>
      <td className="pr-3 whitespace-nowrap">
        {formatUtc(s.takenAt)}
        <div className="text-xs text-muted">{formatAge(Math.max(0, now - Date.parse(s.takenAt)))} ago{s.verified ? '' : ' · not verified'}</div>
      </td>
      <td className="pr-3">
        {s.member.name}
        {s.etcdVersion && <div className="font-mono text-xs text-muted">etcd {s.etcdVersion}</div>}
      </td>
      <td className="pr-3 text-right font-mono">{s.revision}</td>
      <td className="pr-3 text-right font-mono">{s.keys ?? s.status?.totalKey ?? '–'}</td>
      <td className="pr-3 text-right font-mono whitespace-nowrap">
        {formatBytes(s.status?.totalSize ?? s.size)}
        {s.encrypted && <Lock className="ml-1 inline size-3.5 text-muted" aria-label="encrypted" />}
      </td>
      <td className="pr-3 whitespace-nowrap" title={s.store}>{s.storeKey}</td>
      <td className="pr-3">
        <div className="flex flex-wrap items-start gap-2">
          <DrillCell s={s} />
          <DrillButton cluster={cluster} s={s} several={several} />
        </div>
      </td>
      <td>
        <Commands s={s} />
      </td>
    </tr>
  );
}

const keysWords = (n: number | null) => (n === null ? '? keys' : `${n} key${n === 1 ? '' : 's'}`);

/** The same facts stacked for a phone. */
function BackupCard({ cluster, s, now, several }: { cluster: string; s: StoredSnapshot; now: number; several: boolean }) {
  return (
    <li className="space-y-1.5 rounded-md border border-line bg-panel-2/40 p-3 text-sm" data-backup={s.id} data-store={s.storeKey}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span className="font-semibold">{formatAge(Math.max(0, now - Date.parse(s.takenAt)))} ago</span>
        <span className="text-xs text-muted">{formatUtc(s.takenAt)}</span>
      </div>
      <p className="text-xs text-muted">
        from {s.member.name} · revision {s.revision} · {keysWords(s.keys ?? s.status?.totalKey ?? null)} · {formatBytes(s.status?.totalSize ?? s.size)}
        {s.encrypted ? ' · encrypted' : ''} · {s.storeKey}
      </p>
      <DrillCell s={s} />
      <div className="flex flex-wrap items-center gap-3">
        <DrillButton cluster={cluster} s={s} several={several} />
        <Commands s={s} />
      </div>
    </li>
  );
}
