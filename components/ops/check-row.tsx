import { AlertTriangle, CheckCircle2, XCircle } from 'lucide-react';
import type { Check } from '@/lib/ops/types';

/** One preflight check: OK, a note to read, a warning, or what blocks the action. */
export function CheckRow({ c }: { c: Check }) {
  const Icon = c.ok ? (c.severity === 'warn' ? AlertTriangle : CheckCircle2) : c.severity === 'block' ? XCircle : AlertTriangle;
  const tone = c.ok ? (c.severity === 'warn' ? 'text-warn' : 'text-ok') : c.severity === 'block' ? 'text-crit' : 'text-warn';
  const word = c.ok ? (c.severity === 'warn' ? 'Note' : 'OK') : c.severity === 'block' ? 'Blocks' : 'Warning';
  return (
    <li className="flex items-start gap-2" data-check={c.key} data-ok={c.ok}>
      <span className={`inline-flex w-20 shrink-0 items-center gap-1 text-xs font-semibold uppercase ${tone}`}>
        <Icon className="size-4" aria-hidden /> {word}
      </span>
      <span className="min-w-0 break-words">{c.message}</span>
    </li>
  );
}
