import { OctagonX, RefreshCw, Settings2 } from 'lucide-react';
import { EVIDENCE_LABEL, type CheckEvidence } from '@/lib/model/check-evidence';

const look: Record<CheckEvidence, { Icon: typeof OctagonX; tone: string }> = {
  corruption: { Icon: OctagonX, tone: 'border-crit/60 bg-crit-bg text-crit font-semibold' },
  'check-health': { Icon: RefreshCw, tone: 'border-line text-muted' },
  'check-config': { Icon: Settings2, tone: 'border-line text-muted' },
};

/**
 * What a line or an event says about the data, the same in every view: only corruption evidence
 * is red and says "corruption"; a check that ran, passed or could not reach a member says
 * "check"; the checks being on says "check settings". In words and an icon, never colour alone.
 */
export function EvidenceBadge({ evidence }: { evidence: CheckEvidence }) {
  const { Icon, tone } = look[evidence];
  return (
    <span className={`inline-flex shrink-0 items-center gap-1 rounded border px-1 text-[10px] uppercase leading-4 tracking-wide ${tone}`} data-evidence={evidence}>
      <Icon className="size-3" aria-hidden />
      {EVIDENCE_LABEL[evidence]}
    </span>
  );
}
