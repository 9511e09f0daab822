import { AlertTriangle, CheckCircle2, CircleHelp, OctagonX, Siren } from 'lucide-react';
import type { RingHealth } from '@/lib/ring/types';

/** Ring health always in words and an icon, never by color alone. */
export const healthLook: Record<RingHealth, { label: string; Icon: typeof CheckCircle2; tone: string }> = {
  healthy: { label: 'Healthy', Icon: CheckCircle2, tone: 'text-ok bg-ok-bg border-ok/40' },
  degraded: { label: 'Degraded', Icon: AlertTriangle, tone: 'text-warn bg-warn-bg border-warn/40' },
  alarm: { label: 'Alarm', Icon: Siren, tone: 'text-crit bg-crit-bg border-crit/40' },
  'no-quorum': { label: 'No quorum', Icon: OctagonX, tone: 'text-crit bg-crit-bg border-crit/40' },
  unknown: { label: 'Unknown', Icon: CircleHelp, tone: 'text-unknown bg-unknown-bg border-unknown/40' },
};

export function HealthBadge({ health, size = 'md' }: { health: RingHealth; size?: 'md' | 'lg' }) {
  const { label, Icon, tone } = healthLook[health];
  const big = size === 'lg';
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-md border font-semibold uppercase tracking-wide ${tone} ${big ? 'px-2.5 py-1 text-sm' : 'px-2 py-0.5 text-xs'}`}
      data-health={health}
    >
      <Icon className={big ? 'size-4' : 'size-3.5'} aria-hidden />
      {label}
    </span>
  );
}
