'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertOctagon, BellOff, CheckCircle2, CircleDashed, Loader2, Send, XCircle } from 'lucide-react';
import type { AuditEntry } from '@/lib/audit/types';
import { ApiError, call } from '@/lib/api/client';
import type { NotificationsResponse, TestReport } from '@/lib/api/contract';
import { formatAge } from '@/lib/model/format';
import { accessQuery, notificationsQuery, ringKeys } from '@/lib/query/keys';
import type { ReceiverView } from '@/lib/notify/delivery';
import { useAccess } from '../ops/use-access';
import { Button } from '../ui/button';
import { ClockTime } from '../ui/clock-time';
import { Panel } from '../ui/panel';
import { PanelBoundary } from '../ui/panel-boundary';
import { useNow } from '../ui/use-now';

/**
 * Where Ringside's alerts go and whether they get there: each receiver's state in words and an
 * icon (delivering, failing since when and why, never used), what waits in its queue and what was
 * dropped, the delivery lines of the audit log, and for operators "Send test alert".
 */
export function NotificationsView() {
  const { data, error } = useQuery(notificationsQuery());
  const now = useNow(1000);
  if (!data) return <p className="text-sm text-crit">{error ? `Cannot read the delivery status: ${error.message}` : 'Loading…'}</p>;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">Notifications</h1>
        <span className="text-sm text-muted">{summary(data)}</span>
        {error && <span className="text-sm text-warn">Not updating: {error.message}</span>}
      </div>
      {data.state === 'off' ? (
        <Off />
      ) : (
        <>
          {data.state === 'failed' && (
            <p role="alert" className="flex items-start gap-2 rounded-md border border-crit/50 bg-crit-bg px-3 py-2 text-sm">
              <AlertOctagon className="mt-0.5 size-4 shrink-0 text-crit" aria-hidden />
              <span>
                <strong className="text-crit">Alert delivery is not running:</strong> {data.error}. Alerts are shown here but sent nowhere.
              </span>
            </p>
          )}
          <PanelBoundary name="Send test alert">
            <SendTest receivers={data.receivers.length} />
          </PanelBoundary>
          <Panel title={`Receivers (${data.receivers.length})`} bodyClassName="">
            <ul className="grid gap-px bg-line/60 lg:grid-cols-2" aria-label="Receivers">
              {data.receivers.map((r) => (
                <Receiver key={r.name} r={r} now={now} />
              ))}
            </ul>
          </Panel>
        </>
      )}
      <Panel title="Delivery log" bodyClassName="">
        <DeliveryLog entries={data.recent} />
      </Panel>
    </div>
  );
}

function summary(d: NotificationsResponse): string {
  if (d.state === 'off') return 'Off: alerts are shown on Ringside’s own screens only.';
  const ams = d.receivers.filter((r) => r.kind === 'alertmanager').length;
  const hooks = d.receivers.length - ams;
  const to = [ams && `${ams} Alertmanager${ams === 1 ? '' : 's'}`, hooks && `${hooks} webhook${hooks === 1 ? '' : 's'}`].filter(Boolean).join(' and ') || 'no receiver';
  return `Alerts go to ${to}; links in them open ${d.externalURL}.`;
}

function Off() {
  return (
    <Panel title="Alert delivery is off">
      <div className="space-y-2 text-sm">
        <p className="flex items-center gap-2">
          <BellOff className="size-4 text-muted" aria-hidden /> Nobody is paged: the config has no <code className="font-mono">notifications</code> block. Add one to send every alert to
          Alertmanager (which routes pages) and to webhooks:
        </p>
        <pre className="overflow-x-auto rounded-md border border-line bg-bg p-3 font-mono text-xs">{`notifications:
  externalURL: https://ringside.example.com   # links in alerts open this
  alertmanagers: [{ url: http://alertmanager:9093 }]
  webhooks:
    - { name: ops, url: https://hooks.example/ringside, secretEnv: RINGSIDE_OPS_SECRET }`}</pre>
        <p className="text-muted">README: “Alert delivery and certificate expiry”.</p>
      </div>
    </Panel>
  );
}

const kindWord = { alertmanager: 'Alertmanager', json: 'Webhook (JSON)', slack: 'Slack' } as const;

function Receiver({ r, now }: { r: ReceiverView; now: number }) {
  const failing = r.failingSince !== null;
  const state = failing
    ? { Icon: XCircle, word: 'Failing', tone: 'text-crit' }
    : r.lastSuccessAt
      ? { Icon: CheckCircle2, word: 'Delivering', tone: 'text-ok' }
      : { Icon: CircleDashed, word: 'Nothing sent yet', tone: 'text-muted' };
  const filters = [r.severities ? `${r.severities.join(', ')} only` : null, r.clusters ? `clusters ${r.clusters.join(', ')}` : null].filter(Boolean).join(' · ');
  return (
    <li className={`space-y-2 bg-panel px-4 py-3 ${failing ? 'bg-crit-bg/30' : ''}`} aria-label={r.name} data-state={state.word}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="font-semibold">{r.name}</span>
        <span className={`inline-flex items-center gap-1.5 text-sm font-medium ${state.tone}`}>
          <state.Icon className="size-4" aria-hidden />
          {state.word}
          {failing && (
            <span className="font-normal">
              {' '}
              since <ClockTime iso={r.failingSince!} />
            </span>
          )}
        </span>
        <span className="ml-auto text-xs text-muted">
          {kindWord[r.format]}
          {r.signed ? ', signed' : ''}
          {filters ? ` · ${filters}` : ''}
        </span>
      </div>
      <div className="font-mono text-xs text-muted">{r.target}</div>
      {failing && r.lastError && (
        <p className="text-sm">
          <span className="text-muted">Last error:</span> <span className="text-crit">{r.lastError}</span>
          {r.nextAttemptAt && <span className="text-muted"> · next attempt {Date.parse(r.nextAttemptAt) > now ? `in ${formatAge(Date.parse(r.nextAttemptAt) - now)}` : 'now'}</span>}
        </p>
      )}
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
        <Fact term="Last success">{r.lastSuccessAt ? `${formatAge(Math.max(0, now - Date.parse(r.lastSuccessAt)))} ago` : 'never'}</Fact>
        <Fact term="Queued" tone={r.queued ? 'text-warn' : ''}>{String(r.queued)}</Fact>
        <Fact term="Dropped" tone={r.dropped ? 'text-crit' : ''}>{String(r.dropped)}</Fact>
        <Fact term="Sent / failed">{`${r.sent} / ${r.failed}`}</Fact>
      </dl>
      {!failing && r.lastError && r.lastFailureAt && (
        <p className="text-xs text-muted">
          Last failure {formatAge(Math.max(0, now - Date.parse(r.lastFailureAt)))} ago: {r.lastError}
        </p>
      )}
    </li>
  );
}

function Fact({ term, children, tone = '' }: { term: string; children: string; tone?: string }) {
  return (
    <div>
      <dt className="text-[11px] font-semibold uppercase tracking-wider text-muted">{term}</dt>
      <dd className={`num ${tone}`}>{children}</dd>
    </div>
  );
}

/** Operators only: a test alert to every receiver at once, whatever its filters, with each result. */
function SendTest({ receivers }: { receivers: number }) {
  const { access, canAct, why, csrf } = useAccess();
  const queryClient = useQueryClient();
  const send = useMutation({
    mutationFn: () => call('notificationTest', { body: {}, csrf }),
    onError: (e) => {
      if (e instanceof ApiError && e.status === 401) void queryClient.invalidateQueries({ queryKey: accessQuery().queryKey });
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ringKeys.notifications() }),
  });
  if (access?.mode === 'read-only') return null;
  return (
    <section aria-label="Send test alert" className="space-y-2 rounded-lg border border-line bg-panel px-4 py-3">
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="primary" disabled={!canAct || !receivers || send.isPending} title={why ?? undefined} onClick={() => send.mutate()}>
          {send.isPending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Send className="size-4" aria-hidden />} Send test alert
        </Button>
        <span className="text-sm text-muted">{!canAct && why ? why : 'One alert (RingsideTestAlert) to every receiver, whatever its filters; recorded in the audit log.'}</span>
      </div>
      {send.error && (
        <p role="alert" className="text-sm text-crit">
          {send.error.message}
        </p>
      )}
      {send.data && <TestResults report={send.data} />}
    </section>
  );
}

function TestResults({ report }: { report: TestReport }) {
  const ok = report.results.filter((r) => r.ok).length;
  return (
    <div role="status" aria-label="Test alert results">
      <p className="text-sm font-medium">
        Test alert sent at <ClockTime iso={report.at} />: {ok} of {report.results.length} receivers got it.
      </p>
      <ul className="mt-1 space-y-0.5 text-sm">
        {report.results.map((r) => (
          <li key={r.receiver} className="flex items-start gap-2" data-ok={r.ok}>
            {r.ok ? <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-ok" aria-hidden /> : <XCircle className="mt-0.5 size-4 shrink-0 text-crit" aria-hidden />}
            <span>
              <span className="font-semibold">{r.receiver}</span>: {r.ok ? 'delivered' : <span className="text-crit">{r.error}</span>}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

const entryLook: Record<string, { word: string; tone: string }> = {
  'notify-failed': { word: 'Failed', tone: 'text-crit' },
  'notify-recovered': { word: 'Recovered', tone: 'text-ok' },
  'notify-rejected': { word: 'Refused', tone: 'text-crit' },
  'notify-dropped': { word: 'Dropped', tone: 'text-crit' },
  'notify-state': { word: 'State file', tone: 'text-warn' },
};

/** What the audit log holds about delivery: rate-limited failures, recoveries, drops and test alerts. */
function DeliveryLog({ entries }: { entries: AuditEntry[] }) {
  // A test's `started` line is superseded by its result under the same id.
  const finished = new Set(entries.filter((e) => e.result !== 'started').map((e) => e.id));
  const shown = entries.filter((e) => e.result !== 'started' || !finished.has(e.id));
  if (!shown.length) return <p className="p-4 text-sm text-muted">Nothing yet. Failed deliveries, recoveries, drops and test alerts are recorded here and in the audit log.</p>;
  return (
    <ul className="max-h-96 divide-y divide-line/60 overflow-y-auto text-sm" aria-label="Delivery log">
      {shown.map((e) => {
        const test = e.action === 'notify-test';
        const look = test ? { word: 'Test alert', tone: { ok: 'text-ok', started: 'text-info' }[e.result as string] ?? 'text-crit' } : (entryLook[e.action] ?? { word: e.action, tone: '' });
        const d = e.details ?? {};
        const held = typeof d.held === 'number' && d.held > 0 ? ` (and ${d.held} more like it since the last line)` : '';
        const text = test ? testText(e) : `${typeof d.message === 'string' ? d.message : (e.error ?? '')}${held}`;
        return (
          <li key={`${e.id}-${e.result}`} className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 px-4 py-1.5 sm:grid-cols-[5.5rem_7rem_minmax(0,1fr)]" data-action={e.action} data-result={e.result}>
            <span className="font-mono text-xs leading-5 text-muted">
              <ClockTime iso={e.at} />
            </span>
            <span className={`font-medium ${look.tone}`}>{look.word}</span>
            <span className="col-span-2 min-w-0 break-words sm:col-span-1">{text}</span>
          </li>
        );
      })}
    </ul>
  );
}

function testText(e: AuditEntry): string {
  const results = (e.details?.results ?? []) as TestReport['results'];
  if (e.result === 'started') return `by ${e.user}: sending…`;
  const failed = results.filter((r) => !r.ok);
  return `by ${e.user}: ${results.length - failed.length} of ${results.length} receivers got it${failed.length ? ` (${failed.map((r) => `${r.receiver}: ${r.error}`).join('; ')})` : ''}`;
}
