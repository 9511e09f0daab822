import { AlertTriangle, CheckCircle2, HardDrive, ShieldCheck, XCircle } from 'lucide-react';
import type { BackupStatus } from '@/lib/backups/types';
import { freshnessWords, type FreshnessState } from '@/lib/model/backups';
import { formatUtc } from '@/lib/model/format';

const look: Record<FreshnessState, { Icon: typeof CheckCircle2; tone: string }> = {
  fresh: { Icon: CheckCircle2, tone: 'text-ok border-ok/40 bg-ok-bg' },
  stale: { Icon: AlertTriangle, tone: 'text-warn border-warn/50 bg-warn-bg' },
  never: { Icon: AlertTriangle, tone: 'text-warn border-warn/50 bg-warn-bg' },
  unwatched: { Icon: HardDrive, tone: 'text-muted border-line bg-panel-2' },
};

/**
 * A cluster's backups at a glance, in words and an icon: how old the newest verified backup is
 * (stale past its limit), and a failed restore drill. Nothing when the cluster has no backup store.
 */
export function FreshnessBadge({ status, now, proven = false }: { status: BackupStatus | null | undefined; now: number; proven?: boolean }) {
  if (!status) return null;
  const f = freshnessWords(status, now);
  const l = look[f.state];
  const failed = status.lastDrill?.result === 'failed';
  return (
    <span className="inline-flex flex-wrap items-center gap-1.5" aria-label="Backups">
      <span className={`inline-flex items-center gap-1 rounded-md border px-2 py-0.5 text-xs font-semibold whitespace-nowrap ${l.tone}`} data-freshness={f.state}>
        <l.Icon className="size-3.5" aria-hidden />
        {f.text}
      </span>
      {failed && (
        <span className="inline-flex items-center gap-1 rounded-md border border-crit/50 bg-crit-bg px-2 py-0.5 text-xs font-semibold whitespace-nowrap text-crit" title={status.lastDrill!.reason}>
          <XCircle className="size-3.5" aria-hidden /> drill FAILED
        </span>
      )}
      {proven && !failed && status.provenAt && (
        <span className="inline-flex items-center gap-1 text-xs text-ok">
          <ShieldCheck className="size-3.5" aria-hidden /> proven restorable (the backup of {formatUtc(status.provenAt)})
        </span>
      )}
    </span>
  );
}
