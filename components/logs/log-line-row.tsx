import { CheckCircle2 } from 'lucide-react';
import { formatClock } from '@/lib/model/format';
import { describeFinding } from '@/lib/model/check-evidence';
import type { LogLevel, LogLine } from '@/lib/logs/types';
import { EvidenceBadge } from '../consistency/evidence-badge';

const levelLook: Record<LogLevel, { text: string; tone: string }> = {
  debug: { text: 'DEBUG', tone: 'text-faint' },
  info: { text: 'INFO', tone: 'text-info' },
  warn: { text: 'WARN', tone: 'text-warn' },
  error: { text: 'ERROR', tone: 'text-crit' },
  panic: { text: 'PANIC', tone: 'text-crit font-bold' },
  fatal: { text: 'FATAL', tone: 'text-crit font-bold' },
  unknown: { text: '—', tone: 'text-faint' },
};

/** Fields worth showing inline; the rest stay in the raw line (title). */
const KEY_FIELDS = ['follower-peer-id', 'remote-peer-id', 'alarm', 'error', 'local-member-hash', 'remote-peer-hash', 'leader-compact-revision', 'follower-compact-revision', 'took', 'interval'];

/**
 * One etcd log line. Lines about consistency carry their kind of evidence (only corruption
 * evidence is red and says corruption) and, for a check, how it went in words ("could not reach
 * m2 (m2 is down...)"). On a phone the message takes the row's full width under its time.
 */
export function LogLineRow({ line }: { line: LogLine }) {
  const level = levelLook[line.level];
  const fields = KEY_FIELDS.filter((k) => line.fields[k] !== undefined).map((k) => `${k}=${String(line.fields[k])}`);
  const check = line.check;
  const tint = line.good ? 'bg-ok-bg/60' : check?.evidence === 'corruption' ? 'bg-crit-bg/50' : '';
  return (
    <li
      className={`grid grid-cols-[5.5rem_3.2rem_minmax(0,1fr)] gap-x-2 px-3 py-1 font-mono text-xs leading-5 sm:grid-cols-[5.5rem_3.2rem_3.5rem_minmax(0,1fr)] ${tint}`}
      title={line.raw}
      data-category={line.category}
      data-evidence={check?.evidence ?? ''}
    >
      <time className="text-muted" dateTime={line.at ?? undefined}>
        {line.at ? formatClock(line.at) : '—'}
      </time>
      <span className={level.tone}>{level.text}</span>
      <span className="truncate font-semibold">{line.member ?? '?'}</span>
      <span className="col-span-3 min-w-0 break-words sm:col-span-1">
        {line.good && <CheckCircle2 className="mr-1 inline size-3.5 text-ok" aria-label="good news" />}
        {check ? (
          <span className="mr-1.5 inline-block align-[1px]">
            <EvidenceBadge evidence={check.evidence} />
          </span>
        ) : (
          line.category !== 'other' && <span className="mr-1.5 text-[10px] uppercase tracking-wide text-muted">[{line.category}]</span>
        )}
        {line.message}
        {check && check.evidence !== 'corruption' && check.outcome && <span className="ml-2 text-muted">· {describeFinding(check)}</span>}
        {fields.length > 0 && <span className="ml-2 text-muted">{fields.join(' ')}</span>}
      </span>
    </li>
  );
}
