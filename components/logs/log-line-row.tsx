import { CheckCircle2 } from 'lucide-react';
import { formatClock } from '@/lib/format';
import type { LogLevel, LogLine } from '@/lib/logs/types';

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

export function LogLineRow({ line }: { line: LogLine }) {
  const level = levelLook[line.level];
  const fields = KEY_FIELDS.filter((k) => line.fields[k] !== undefined).map((k) => `${k}=${String(line.fields[k])}`);
  return (
    <li className={`grid grid-cols-[5.5rem_3.2rem_3.5rem_1fr] gap-x-2 px-3 py-1 font-mono text-xs leading-5 ${line.good ? 'bg-ok-bg/60' : line.category === 'corruption' ? 'bg-crit-bg/50' : ''}`} title={line.raw} data-category={line.category}>
      <time className="text-muted" dateTime={line.at ?? undefined}>
        {line.at ? formatClock(line.at) : '—'}
      </time>
      <span className={level.tone}>{level.text}</span>
      <span className="truncate font-semibold">{line.member ?? '?'}</span>
      <span className="min-w-0 break-words">
        {line.good && <CheckCircle2 className="mr-1 inline size-3.5 text-ok" aria-label="good news" />}
        {line.category !== 'other' && <span className="mr-1.5 text-[10px] uppercase tracking-wide text-muted">[{line.category}]</span>}
        {line.message}
        {fields.length > 0 && <span className="ml-2 text-muted">{fields.join(' ')}</span>}
      </span>
    </li>
  );
}
