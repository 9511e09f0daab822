import { AlertTriangle } from 'lucide-react';
import type { RingWarning } from '@/lib/ring/types';

export function RingWarnings({ warnings }: { warnings: RingWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="space-y-1.5" aria-label="Warnings">
      {warnings.map((w, i) => (
        <li key={`${w.kind}-${i}`} className="flex items-start gap-2 rounded-md border border-warn/40 bg-warn-bg px-3 py-2 text-sm text-warn" data-kind={w.kind}>
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
          <span className="text-fg">{w.message}</span>
        </li>
      ))}
    </ul>
  );
}
