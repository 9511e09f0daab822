import { AlertTriangle, Ban, CheckCircle2, CircleHelp, OctagonX, ShieldAlert } from 'lucide-react';
import type { NocState } from '@/lib/model/fleet';

/** Each fleet state's icon and colours: the wall and the overview's filter say a state the same way, never by colour alone. */
export const nocLook: Record<NocState, { Icon: typeof CheckCircle2; text: string; border: string; bg: string }> = {
  'NO QUORUM': { Icon: Ban, text: 'text-crit', border: 'border-crit', bg: 'bg-crit-bg' },
  CORRUPT: { Icon: ShieldAlert, text: 'text-crit', border: 'border-crit', bg: 'bg-crit-bg' },
  CRITICAL: { Icon: OctagonX, text: 'text-crit', border: 'border-crit', bg: 'bg-crit-bg' },
  UNKNOWN: { Icon: CircleHelp, text: 'text-unknown', border: 'border-unknown', bg: 'bg-unknown-bg' },
  DEGRADED: { Icon: AlertTriangle, text: 'text-warn', border: 'border-warn', bg: 'bg-warn-bg' },
  OK: { Icon: CheckCircle2, text: 'text-ok', border: 'border-line', bg: 'bg-panel' },
};
