import { AlertTriangle, ArrowRight, CheckCircle2, OctagonX } from 'lucide-react';
import Link from 'next/link';
import type { LogLine } from '@/lib/logs/types';
import type { LogsResponse } from '@/lib/query/keys';
import type { CorruptionAudit } from '@/lib/ring/corruption-audit';
import type { NextStep } from '@/lib/model/next-step';
import { LogLineRow } from '../logs/log-line-row';

/** The recommended next step, the members' own corruption lines, and whether their checks are on. */
export function Evidence({
  cluster,
  step,
  lines,
  checks,
  audits,
  sources,
  kubernetes,
}: {
  cluster: string;
  step: NextStep | null;
  lines: LogLine[];
  /** The checks' latest rounds: shown apart from the evidence, never called corruption. */
  checks: LogLine[];
  audits: CorruptionAudit[];
  sources: number;
  kubernetes?: LogsResponse['kubernetes'];
}) {
  return (
    <div className="space-y-3">
      {step && (
        <div role="note" aria-label="Next step" className={`rounded-md border px-3 py-2 text-sm ${step.severity === 'critical' ? 'border-crit/60 bg-crit-bg' : 'border-warn/50 bg-warn-bg'}`}>
          <div className={`flex items-center gap-2 font-semibold ${step.severity === 'critical' ? 'text-crit' : 'text-warn'}`}>
            {step.severity === 'critical' ? <OctagonX className="size-4" aria-hidden /> : <AlertTriangle className="size-4" aria-hidden />}
            Next step: {step.title}
          </div>
          <ol className="mt-1 list-decimal space-y-0.5 pl-5 text-fg/90">
            {step.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
          {step.action?.kind === 'replace' && (
            <Link href={`/clusters/${cluster}/replace?member=${step.action.memberId}`} className="mt-2 inline-flex items-center gap-1 font-medium text-accent hover:underline">
              Replace {step.action.memberName} with the guided wizard <ArrowRight className="size-4" aria-hidden />
            </Link>
          )}
          {step.action?.kind === 'disarm-corrupt' && <p className="mt-2 text-muted">Disarm it under Operations, Maintenance: Ringside checks the hashes first.</p>}
        </div>
      )}
      <div>
        <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">Corruption evidence from the members&apos; logs</h3>
        {sources === 0 ? (
          <p className="text-sm text-muted">No log sources configured (see logs in the README).</p>
        ) : lines.length === 0 ? (
          <p className="text-sm text-muted">None: no member has logged a hash difference, an inconsistency or a CORRUPT alarm.</p>
        ) : (
          <ol className="max-h-56 overflow-y-auto rounded border border-line/60" aria-label="Corruption lines">
            {[...lines].reverse().map((l, i) => (
              <LogLineRow key={`${l.source}:${l.at}:${i}`} line={l} />
            ))}
          </ol>
        )}
      </div>
      {sources > 0 && checks.length > 0 && (
        <div>
          <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">Latest check rounds (not evidence)</h3>
          <ol className="max-h-40 overflow-y-auto rounded border border-line/60" aria-label="Check rounds">
            {[...checks].reverse().map((l, i) => (
              <LogLineRow key={`${l.source}:${l.at}:${i}`} line={l} />
            ))}
          </ol>
        </div>
      )}
      {kubernetes && (kubernetes.pods.length > 0 || kubernetes.error) && (
        <div>
          <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">etcd pods</h3>
          {kubernetes.error && <p className="text-sm text-crit">Cannot list pods: {kubernetes.error}</p>}
          <ul className="space-y-0.5 text-sm" aria-label="etcd pods">
            {kubernetes.pods.map((p) => (
              <li key={p.name} className="flex items-center gap-2">
                {p.phase === 'Running' && p.ready ? <CheckCircle2 className="size-4 shrink-0 text-ok" aria-hidden /> : <AlertTriangle className="size-4 shrink-0 text-warn" aria-hidden />}
                <span>
                  <strong>{p.name}</strong> → {p.member ?? 'member unknown'}: {p.phase}
                  {p.reason ? ` (${p.reason})` : ''}, {p.restarts} restart{p.restarts === 1 ? '' : 's'}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {audits.length > 0 && (
        <div>
          <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">etcd&apos;s own corruption checks</h3>
          <ul className="space-y-0.5 text-sm" aria-label="Corruption checks">
            {audits.map((a) => (
              <li key={a.member} className="flex items-start gap-2">
                {a.recommended.length === 0 && a.deprecated.length === 0 ? <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-ok" aria-hidden /> : <AlertTriangle className="mt-0.5 size-4 shrink-0 text-warn" aria-hidden />}
                <span className="min-w-0">
                  <strong>{a.member}</strong>
                  {a.version && <span className="text-muted"> ({a.version})</span>}: initial check {a.initialCheck === null ? 'unknown' : a.initialCheck ? 'on' : 'OFF'}, periodic check{' '}
                  {a.periodicInterval ? `every ${a.periodicInterval}` : 'OFF'}
                  {a.compactHashCheck !== null && <>, compaction hash check {a.compactHashCheck ? 'on' : 'OFF'}</>}
                  {a.findings.length > 0 && <span className="text-muted"> · {a.findings.filter((f) => !a.deprecated.some((d) => f.startsWith(d.message))).join('; ')}</span>}
                  {a.deprecated.length > 0 && (
                    <ul className="mt-0.5 space-y-0.5" aria-label={`Deprecated flags of ${a.member}`}>
                      {a.deprecated.map((d) => (
                        <li key={d.flag} className="break-words text-xs">
                          <code className={d.severity === 'error' ? 'text-crit' : 'text-warn'}>{d.flag}</code>{' '}
                          {d.replacement ? (
                            <>
                              → <code>{d.replacement}</code>
                            </>
                          ) : (
                            '→ remove it'
                          )}
                          <span className="text-muted"> ({d.message})</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
