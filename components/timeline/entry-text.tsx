import { formatClock } from '@/lib/model/format';
import type { TimelineEntry } from '@/lib/timeline/types';
import { EvidenceBadge } from '../consistency/evidence-badge';

/**
 * One timeline entry in words, the same in triage and on the timeline page: its kind, what it
 * says about the data (only corruption evidence says corruption), who, what, how many times a
 * repeated line came, and when a check failure is a consequence of a member being down.
 */
export function EntryText({ e, tone, kind = true }: { e: TimelineEntry; tone: string; kind?: boolean }) {
  const outage = e.details?.outage === true ? String(e.details.peer) : null;
  return (
    <span className="min-w-0 break-words">
      {kind && <span className={`mr-2 font-mono text-[11px] uppercase tracking-wide ${tone}`}>{e.kind}</span>}
      {/* Where the kind is shown, it already says "check"; the badge then marks only corruption. */}
      {e.evidence && (!kind || e.evidence === 'corruption') && (
        <span className="mr-1.5 inline-block align-[1px]">
          <EvidenceBadge evidence={e.evidence} />
        </span>
      )}
      {e.memberName && <span className="mr-1.5 font-mono text-xs text-muted">{e.memberName}</span>}
      {e.message}
      {e.repeat && (
        <span className="text-muted" data-repeat={e.repeat.count}>
          {' '}
          · {e.repeat.count} times, {formatClock(e.repeat.firstAt)} to {formatClock(e.at)}
        </span>
      )}
      {outage && <span className="text-muted"> · {outage} is down: a consequence of that outage</span>}
    </span>
  );
}
