'use client';

import { useQuery } from '@tanstack/react-query';
import { Ban, CheckCircle2, Loader2, SkipForward, XCircle } from 'lucide-react';
import type { AuditEntry } from '@/lib/audit/types';
import { formatBytes, formatClock } from '@/lib/model/format';
import { auditQuery } from '@/lib/query/keys';
import { actionWord } from './operation-progress';

const resultLook = {
  ok: { Icon: CheckCircle2, tone: 'text-ok', word: 'OK' },
  failed: { Icon: XCircle, tone: 'text-crit', word: 'Failed' },
  refused: { Icon: Ban, tone: 'text-warn', word: 'Refused' },
  started: { Icon: Loader2, tone: 'text-info', word: 'Started' },
  skipped: { Icon: SkipForward, tone: 'text-warn', word: 'Skipped' },
} as const;

/** Who did what, when, to which member, with what result: the durable audit log, newest first. */
export function AuditLog({ cluster }: { cluster: string }) {
  const { data, error } = useQuery(auditQuery(cluster));
  if (error) return <p className="p-4 text-sm text-crit">Cannot read the audit log: {error.message}</p>;
  // A started line is superseded by its result under the same id.
  const finished = new Set((data ?? []).filter((e) => e.result !== 'started').map((e) => e.id));
  const entries = (data ?? []).filter((e) => e.result !== 'started' || !finished.has(e.id));
  if (!entries.length) return <p className="p-4 text-sm text-muted">No actions yet. Every action, refusal and failure is recorded here and in the audit file.</p>;
  return (
    <div className="max-h-80 overflow-auto">
      <table className="w-full text-[13px]" aria-label="Audit log">
        <thead className="sticky top-0 bg-panel">
          <tr className="border-b border-line text-left text-[11px] font-semibold uppercase tracking-wider text-muted">
            <th className="px-4 py-1.5">When</th>
            <th className="pr-3">Who</th>
            <th className="pr-3">Action</th>
            <th className="pr-3">Member</th>
            <th className="pr-3">Result</th>
            <th className="pr-3 text-right">Took</th>
            <th className="pr-4">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <Row key={`${e.id}-${e.result}`} e={e} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Row({ e }: { e: AuditEntry }) {
  const look = resultLook[e.result];
  return (
    <tr className="border-b border-line/50 align-top [&>td]:py-1.5" data-action={e.action} data-result={e.result}>
      <td className="px-4 whitespace-nowrap">{formatClock(e.at)}</td>
      <td className="pr-3">{e.user}</td>
      <td className="pr-3">{actionWord(e.action)}</td>
      <td className="pr-3">{e.member ? e.member.name || e.member.id : Array.isArray(e.params.memberIds) ? `${e.params.memberIds.length} members` : '–'}</td>
      <td className={`pr-3 whitespace-nowrap ${look.tone}`}>
        <look.Icon className="mr-1 inline size-3.5" aria-hidden />
        {look.word}
      </td>
      <td className="pr-3 text-right font-mono whitespace-nowrap">{e.durationMs ? `${(e.durationMs / 1000).toFixed(1)} s` : '–'}</td>
      {/* Wide enough to read as sentences, also where the table scrolls on a phone. */}
      <td className="min-w-[16rem] pr-4 text-muted">
        {e.error ?? summary(e)}
        {Array.isArray(e.details?.steps) && e.details.steps.length > 1 && <Steps steps={e.details.steps as { name: string; state: string; detail?: string }[]} />}
      </td>
    </tr>
  );
}

/** The operation's steps as the audit log recorded them. */
function Steps({ steps }: { steps: { name: string; state: string; detail?: string }[] }) {
  return (
    <details>
      <summary className="cursor-pointer text-accent">{steps.length} steps</summary>
      <ol className="mt-1 list-decimal space-y-0.5 pl-4 text-xs">
        {steps.map((s, i) => (
          <li key={i} className={s.state === 'failed' ? 'text-crit' : undefined}>
            {s.name}
            {s.state !== 'done' && ` (${s.state})`}
            {s.detail && <span className="ml-1 font-mono text-muted">{s.detail}</span>}
          </li>
        ))}
      </ol>
    </details>
  );
}

function summary(e: AuditEntry): string {
  const d = e.details ?? {};
  if (typeof d.message === 'string') return d.message;
  if (d.drill && typeof d.drill === 'object') return (d.drill as { reason: string }).reason;
  if (typeof d.revision === 'number' && typeof d.sha256 === 'string') return `revision ${d.revision}, sha256 ${d.sha256.slice(0, 12)}…${Array.isArray(d.stores) ? ` in ${d.stores.length} store${d.stores.length === 1 ? '' : 's'}` : ''}`;
  if (d.added && typeof d.added === 'object') return `added ${(d.added as { name: string; id: string }).name} (${(d.added as { id: string }).id})`;
  if (d.verified) return `verified: HashKV agrees at revision ${d.hashRevision}`;
  if (d.sizes && typeof d.sizes === 'object') {
    return Object.entries(d.sizes as Record<string, { before: number; after: number }>)
      .map(([m, s]) => `${m} ${formatBytes(s.before)} → ${formatBytes(s.after)}`)
      .join(', ');
  }
  const params = Object.entries(e.params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  return params.join(' ');
}
