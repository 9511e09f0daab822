import { AlertTriangle, CheckCircle2, Info, OctagonX } from 'lucide-react';
import { formatClock } from '@/lib/model/format';
import type { EventSeverity, RingEvent } from '@/lib/ring/types';

export const severityLook: Record<EventSeverity, { Icon: typeof Info; tone: string; word: string }> = {
  critical: { Icon: OctagonX, tone: 'text-crit', word: 'critical' },
  warning: { Icon: AlertTriangle, tone: 'text-warn', word: 'warning' },
  info: { Icon: Info, tone: 'text-info', word: 'info' },
  good: { Icon: CheckCircle2, tone: 'text-ok', word: 'resolved' },
};

/** Derived ring events, newest first, with wall-clock times. */
export function EventFeed({ events }: { events: RingEvent[] }) {
  if (events.length === 0) {
    return <p className="px-4 py-6 text-sm text-muted">No events since Ringside started watching. Changes in membership, leadership, quorum and alarms appear here as they happen.</p>;
  }
  return (
    <ol className="max-h-[420px] divide-y divide-line/60 overflow-y-auto" aria-label="Events">
      {events.map((e) => {
        const { Icon, tone, word } = severityLook[e.severity];
        return (
          <li key={e.id} className="flex items-start gap-3 px-4 py-2 text-sm" data-kind={e.kind}>
            <time className="num shrink-0 pt-px font-mono text-xs text-muted" dateTime={e.at}>
              {formatClock(e.at)}
            </time>
            <Icon className={`mt-0.5 size-4 shrink-0 ${tone}`} aria-label={word} />
            <span className="min-w-0">
              <span className={`mr-2 font-mono text-[11px] uppercase tracking-wide ${tone}`}>{e.kind}</span>
              {e.message}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
