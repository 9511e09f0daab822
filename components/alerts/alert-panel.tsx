'use client';

import { useQuery } from '@tanstack/react-query';
import { AlertTriangle, BellRing, CheckCircle2, Hourglass, OctagonX } from 'lucide-react';
import type { Alert } from '@/lib/alerts/tracker';
import { formatAge, formatClock } from '@/lib/model/format';
import { alertRulesQuery } from '@/lib/query/keys';
import { alertEvidence } from '@/lib/model/check-evidence';
import { EvidenceBadge } from '../consistency/evidence-badge';

const severityLook = {
  critical: { Icon: OctagonX, word: 'Critical', tone: 'text-crit', box: 'border-crit/50 bg-crit-bg' },
  warning: { Icon: AlertTriangle, word: 'Warning', tone: 'text-warn', box: 'border-warn/50 bg-warn-bg' },
} as const;

/**
 * Firing and pending alerts, worst first, each saying what is wrong, since when, what it means
 * and the safe next step. With nothing wrong it is one quiet line, with the rules one click away.
 */
export function AlertPanel({ cluster, alerts, now }: { cluster: string; alerts: Alert[] | undefined; now: number }) {
  const firing = alerts?.filter((a) => a.state === 'firing') ?? [];
  const pending = alerts?.filter((a) => a.state === 'pending') ?? [];

  if (!alerts || alerts.length === 0) {
    return (
      <section id="alerts" aria-label="Alerts" className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-lg border border-line bg-panel px-4 py-2 text-sm">
        <CheckCircle2 className="size-4 text-ok" aria-hidden />
        <span className="font-medium">{alerts ? 'No alerts firing' : 'Alerts: waiting for the first evaluation'}</span>
        <RulesDisclosure cluster={cluster} />
      </section>
    );
  }

  return (
    <section id="alerts" aria-label="Alerts" className="rounded-lg border border-line bg-panel">
      <header className="flex flex-wrap items-center justify-between gap-3 border-b border-line px-4 py-2.5">
        <h2 className="inline-flex items-center gap-2 text-xs font-semibold uppercase tracking-wider text-muted">
          <BellRing className="size-4" aria-hidden />
          Alerts · {firing.length} firing{pending.length ? ` · ${pending.length} pending` : ''}
        </h2>
        <RulesDisclosure cluster={cluster} />
      </header>
      <ul className="divide-y divide-line/60">
        {[...firing, ...pending].map((a) => (
          <AlertRow key={a.id} alert={a} now={now} />
        ))}
      </ul>
    </section>
  );
}

function AlertRow({ alert: a, now }: { alert: Alert; now: number }) {
  const look = severityLook[a.severity];
  const isFiring = a.state === 'firing';
  const since = isFiring ? a.firingSince! : a.activeSince;
  const firesIn = Math.max(0, a.forMs - (now - Date.parse(a.activeSince)));
  const evidence = alertEvidence(a.rule);
  // Desk: severity, text, time in three columns. Phone: severity and time on one line, the text
  // below them at full width (never squeezed into a column a word wide).
  return (
    <li
      className={`grid grid-cols-[auto_minmax(0,1fr)] items-start gap-x-4 gap-y-1.5 px-4 py-2.5 sm:grid-cols-[7.5rem_minmax(0,1fr)_auto] ${isFiring ? '' : 'opacity-75'}`}
      aria-label={`${a.rule} ${a.state}`}
      data-rule={a.rule}
      data-state={a.state}
    >
      <span className={`inline-flex items-center gap-1.5 rounded border px-2 py-0.5 text-xs font-semibold uppercase tracking-wide sm:w-[7.5rem] ${isFiring ? `${look.box} ${look.tone}` : 'border-line text-muted'}`}>
        {isFiring ? <look.Icon className="size-3.5" aria-hidden /> : <Hourglass className="size-3.5" aria-hidden />}
        {isFiring ? look.word : 'Pending'}
      </span>
      <div className="order-last col-span-2 min-w-0 sm:order-none sm:col-span-1">
        <div className="flex flex-wrap items-baseline gap-x-3">
          <span className="font-semibold">{a.message}</span>
          <span className="font-mono text-xs text-muted">{a.rule}</span>
          {evidence && <EvidenceBadge evidence={evidence} />}
        </div>
        <div className="text-sm text-muted">
          {a.summary} <span className="text-fg">Next step: {a.action}</span>
        </div>
      </div>
      <div className="text-right text-xs text-muted num">
        {isFiring ? (
          <>
            firing since <span className="font-mono text-fg">{formatClock(since)}</span>
            <div>for {formatAge(now - Date.parse(since))}</div>
          </>
        ) : (
          <>
            holds since <span className="font-mono text-fg">{formatClock(since)}</span>
            <div>fires in {formatAge(firesIn)} unless it clears</div>
          </>
        )}
      </div>
    </li>
  );
}

/** The rules behind the alerts, with their thresholds and `for`, fetched when opened. */
function RulesDisclosure({ cluster }: { cluster: string }) {
  return (
    <details className="ml-auto text-xs text-muted open:ml-0 open:basis-full">
      <summary className="cursor-pointer select-none hover:text-fg">Alert rules</summary>
      <RulesTable cluster={cluster} />
    </details>
  );
}

function RulesTable({ cluster }: { cluster: string }) {
  const rules = useQuery(alertRulesQuery(cluster));
  if (!rules.data) return <p className="mt-2">{rules.error ? `Cannot load the rules: ${rules.error.message}` : 'Loading…'}</p>;
  return (
    <div className="mt-2 overflow-x-auto">
      <table className="w-full min-w-[36rem] text-left text-xs" aria-label="Alert rules">
        <thead>
          <tr className="text-[11px] uppercase tracking-wider">
            <th className="py-1 pr-3">Rule</th>
            <th className="py-1 pr-3">Fires when</th>
            <th className="py-1 pr-3 text-right">For</th>
            <th className="py-1">From</th>
          </tr>
        </thead>
        <tbody>
          {rules.data.map((r) => (
            <tr key={r.name} className="border-t border-line/50 text-fg">
              <td className="py-1 pr-3 font-mono">{r.name}</td>
              <td className="py-1 pr-3">{r.when}</td>
              <td className="py-1 pr-3 text-right num">{r.disabled ? 'off' : r.forMs === 0 ? 'at once' : formatAge(r.forMs)}</td>
              <td className="py-1 text-muted">{r.origin}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
