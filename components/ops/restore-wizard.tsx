'use client';

import { useQuery } from '@tanstack/react-query';
import { AlertTriangle, ArrowLeft, ArrowRight, Check, CheckCircle2, Circle, CircleHelp, Loader2, RotateCcw, ShieldCheck, Split, XCircle } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { drillWords } from '@/lib/model/backups';
import { formatAge, formatUtc } from '@/lib/model/format';
import type { RestoreChoice, RestoreView } from '@/lib/ops/restore-plan';
import { operationsQuery, restoreQuery, ringQuery } from '@/lib/query/keys';
import { useRingStream } from '../ring/use-ring-stream';
import { Button } from '../ui/button';
import { CopyButton } from '../ui/copy-button';
import { HealthBadge } from '../ui/health-badge';
import { Panel } from '../ui/panel';
import { useNow } from '../ui/use-now';
import { ConfirmDialog } from './confirm-dialog';
import { OperationProgress } from './operation-progress';
import { CheckRow } from './check-row';
import { useAccess, useAction } from './use-access';

const STEPS = ['Choose a backup', 'Preflight', 'Restore each member', 'Start the members', 'Verify'] as const;

/**
 * The guided disaster restore (quorum lost, or data to roll back), built like the replacement
 * wizard: every screen comes from the server, refetched every 2 s, so the verification follows
 * the new ring as it comes up. The chosen backup lives in the URL (`?backup=&store=`).
 */
export function RestoreWizard({ cluster, backup, store, kubernetes }: { cluster: string; backup: string | null; store: string | null; kubernetes: boolean | null }) {
  useRingStream(cluster);
  const ring = useQuery(ringQuery(cluster));
  const view = useQuery(restoreQuery(cluster, backup, store, kubernetes));
  const ops = useQuery(operationsQuery(cluster));
  const { canAct, why } = useAccess();
  const restoreOp = ops.data?.find((o) => o.action === 'disaster-restore');
  // While the chosen backup's view loads, the previous one (placeholder) is not it.
  const v = view.data && (!backup || view.data.chosen?.id === backup) ? view.data : undefined;
  // Where the wizard opens: the backup is not chosen yet; a restore is under way or has just
  // happened (verify); else the preflight of the chosen one.
  const opened = !backup ? 0 : restoreOp?.state === 'running' || (v?.verification.previousClusterId && v.verification.clusterId !== v.verification.previousClusterId) ? 4 : 1;
  const [picked, setPicked] = useState<number | null>(null);
  const current = picked ?? opened;
  const go = (i: number) => setPicked(Math.max(backup ? 1 : 0, Math.min(STEPS.length - 1, i)));

  return (
    <div className="mx-auto max-w-5xl space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <Link href={`/clusters/${cluster}`} className="inline-flex items-center gap-1 text-sm text-muted hover:text-fg">
          <ArrowLeft className="size-4" aria-hidden /> {cluster}
        </Link>
        <h1 className="text-2xl font-semibold tracking-tight">Disaster restore</h1>
        {ring.data && <HealthBadge health={ring.data.health} />}
        {ring.data && <span className="text-sm text-muted">{ring.data.summary}</span>}
      </div>

      <ol className="flex flex-wrap gap-x-1 gap-y-2 text-sm" aria-label="Steps">
        {STEPS.map((label, i) => {
          const state = i < current ? 'done' : i === current ? 'current' : 'todo';
          const reachable = i === 0 || Boolean(backup);
          return (
            <li key={label} data-state={state} aria-current={state === 'current' ? 'step' : undefined}>
              <button
                type="button"
                disabled={!reachable}
                onClick={() => (i === 0 ? setPicked(0) : go(i))}
                className={`flex items-center gap-1.5 rounded-md border px-2.5 py-1 disabled:cursor-not-allowed ${state === 'current' ? 'border-accent bg-info-bg font-semibold text-fg' : state === 'done' ? 'border-line text-ok' : 'border-line text-muted'}`}
              >
                {state === 'done' ? <Check className="size-3.5" aria-label="done" /> : <span className="font-mono text-xs">{i + 1}</span>}
                {label}
              </button>
            </li>
          );
        })}
      </ol>

      {!canAct && why && (
        <p className="flex items-center gap-2 rounded-md border border-warn/50 bg-warn-bg px-3 py-2 text-sm text-warn">
          <AlertTriangle className="size-4 shrink-0" aria-hidden /> {why}
        </p>
      )}
      {v?.notes.map((n) => (
        <p key={n} className="rounded-md border border-line bg-panel-2 px-3 py-2 text-sm">{n}</p>
      ))}
      {view.error && <p role="alert" className="text-crit">Cannot load the wizard: {view.error.message}</p>}
      {!v ? (
        !view.error && <p className="text-muted">Loading…</p>
      ) : (
        <Panel title={STEPS[current]}>
          {current === 0 && <Choose cluster={cluster} view={v} chosen={v.chosen} onChosen={() => setPicked(null)} />}
          {current === 1 && <Preflight cluster={cluster} view={v} kubernetes={kubernetes} />}
          {current === 2 && <RestoreCommands view={v} />}
          {current === 3 && <Start cluster={cluster} view={v} busy={restoreOp?.state === 'running'} onStarted={() => setPicked(4)} />}
          {current === 4 && <Verify cluster={cluster} view={v} />}
          {current > 0 && (
            <div className="mt-4 flex flex-wrap gap-2 border-t border-line pt-3">
              <Button onClick={() => (current === 1 ? setPicked(0) : go(current - 1))}>
                <ArrowLeft className="size-4" aria-hidden /> Back
              </Button>
              {current < STEPS.length - 1 && (
                <Button variant="primary" disabled={current === 1 && v.checks.some((c) => !c.ok && c.severity === 'block')} onClick={() => go(current + 1)}>
                  Next: {STEPS[current + 1]} <ArrowRight className="size-4" aria-hidden />
                </Button>
              )}
            </div>
          )}
        </Panel>
      )}
      {restoreOp && <OperationProgress op={restoreOp} />}
    </div>
  );
}

function Choose({ cluster, view, chosen, onChosen }: { cluster: string; view: RestoreView; chosen: RestoreChoice | null; onChosen: () => void }) {
  const now = useNow(1000);
  if (!view.backups.length) return <p className="text-sm text-muted">No stored backup of {cluster}: there is nothing to restore from. Take one from the cluster page while the ring still has quorum.</p>;
  return (
    <div className="space-y-2 text-sm">
      <p>Pick the backup to restore. Newest first; a backup whose restore drill passed is proven to restore.</p>
      <ul className="space-y-2" aria-label="Backups to restore">
        {view.backups.map((b) => {
          const d = drillWords(b.drill);
          const Icon = d.state === 'passed' ? ShieldCheck : d.state === 'failed' ? XCircle : CircleHelp;
          const isChosen = chosen?.id === b.id && chosen.storeKey === b.storeKey;
          return (
            <li key={`${b.storeKey}/${b.id}`}>
              <Link
                href={`/clusters/${cluster}/restore?backup=${encodeURIComponent(b.id)}&store=${b.storeKey}`}
                onClick={onChosen}
                aria-label={`Choose the backup of ${formatUtc(b.takenAt)} in ${b.storeKey}`}
                className={`flex flex-wrap items-center gap-x-4 gap-y-1 rounded-md border px-3 py-2 hover:border-accent/60 ${isChosen ? 'border-accent bg-info-bg' : 'border-line bg-panel-2/40'}`}
              >
                <span className="font-semibold">{formatUtc(b.takenAt)}</span>
                <span className="text-muted">{formatAge(Math.max(0, now - Date.parse(b.takenAt)))} ago</span>
                <span className="font-mono text-xs">revision {b.revision}{b.keys !== null ? ` · ${b.keys} keys` : ''}</span>
                <span className="text-xs text-muted">{b.storeKey}{b.etcdVersion ? ` · etcd ${b.etcdVersion}` : ''}{b.encrypted ? ' · encrypted' : ''}</span>
                <span className={`inline-flex items-center gap-1 text-xs ${d.state === 'passed' ? 'text-ok' : d.state === 'failed' ? 'text-crit' : 'text-muted'}`} data-drill={d.state}>
                  <Icon className="size-3.5" aria-hidden /> {d.text}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Preflight({ cluster, view, kubernetes }: { cluster: string; view: RestoreView; kubernetes: boolean | null }) {
  const c = view.chosen!;
  const query = `backup=${encodeURIComponent(c.id)}&store=${c.storeKey}`;
  return (
    <div className="space-y-4 text-sm">
      <p>
        Restoring the backup of <strong>{formatUtc(c.takenAt)}</strong> (revision {c.revision}, from {c.storeKey}) into every voter of {cluster}.
      </p>
      {view.lost && (
        <p className="flex items-start gap-2 rounded-md border border-warn/50 bg-warn-bg px-3 py-2 text-warn" aria-label="What is lost">
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden /> <span className="text-fg">{view.lost}</span>
        </p>
      )}
      <ul className="space-y-1.5" aria-label="Preflight checks">
        {view.checks.map((k) => (
          <CheckRow key={k.key} c={k} />
        ))}
      </ul>
      <div>
        <h3 className="mb-1 text-xs font-semibold uppercase tracking-wider text-muted">Members now</h3>
        <ul className="grid gap-1 sm:grid-cols-2" aria-label="Members now">
          {view.members.map((m) => (
            <li key={m.id} className="flex flex-wrap items-center gap-x-2">
              {m.split ? <Split className="size-4 text-warn" aria-hidden /> : m.reachable ? <CheckCircle2 className="size-4 text-ok" aria-hidden /> : <XCircle className="size-4 text-crit" aria-hidden />}
              <span className="font-semibold">{m.name}</span>
              <span className={m.split ? 'text-warn' : m.reachable ? 'text-ok' : 'text-crit'}>{m.split ? 'split (another cluster)' : m.reachable ? `answers, revision ${m.revision ?? '?'}` : 'down'}</span>
              <span className="font-mono text-xs text-muted">{m.endpoint ?? ''}</span>
            </li>
          ))}
        </ul>
      </div>
      <p className="text-xs text-muted">
        {view.kubernetes ? 'Treated as the etcd of a Kubernetes control plane (the revision is bumped where the tool can).' : 'Not treated as a Kubernetes etcd.'}{' '}
        <Link href={`/clusters/${cluster}/restore?${query}&kubernetes=${!view.kubernetes}`} className="text-accent hover:underline">
          {view.kubernetes ? 'It is not a Kubernetes etcd' : 'It backs Kubernetes'}
        </Link>
        {kubernetes !== null && ' (chosen here, not from the config)'}
      </p>
    </div>
  );
}

function CopyBlock({ text, label }: { text: string; label: string }) {
  return (
    <div className="rounded-md border border-line">
      <div className="flex items-center border-b border-line px-3 py-1 text-xs text-muted">
        <span className="font-semibold text-fg">{label}</span>
        <CopyButton text={text} className="ml-auto" />
      </div>
      <pre aria-label={label} className="overflow-x-auto p-3 font-mono text-xs leading-relaxed">{text}</pre>
    </div>
  );
}

function RestoreCommands({ view }: { view: RestoreView }) {
  const p = view.plan;
  if (!p) return <p className="text-sm text-muted">No plan: the ring lists no voter to restore.</p>;
  return (
    <div className="space-y-3 text-sm">
      <ol className="list-decimal space-y-1 pl-5">
        <li>Stop etcd on every member{view.kubernetes ? ', and every kube-apiserver' : ''}; a member still running would answer as the old cluster (Ringside shows it as split).</li>
        <li>Move each member&apos;s old data dir aside; never restore over it.</li>
        <li>On each member&apos;s host, fetch and check the backup, then run its restore command ({p.tool.kind} snapshot restore, the tool for this version; the new cluster token is <code className="font-mono whitespace-nowrap">{p.token}</code>).</li>
      </ol>
      {p.tool.notes.map((n) => (
        <p key={n} className="flex items-start gap-2 text-warn">
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden /> <span className="text-fg">{n}</span>
        </p>
      ))}
      <p className="text-muted">{p.fetchNote}</p>
      <CopyBlock label="Fetch and check the backup (on every host)" text={p.fetch.join('\n')} />
      {p.members.map((m) => (
        <CopyBlock key={m.id} label={`Restore ${m.name}`} text={m.restore} />
      ))}
    </div>
  );
}

function Start({ cluster, view, busy, onStarted }: { cluster: string; view: RestoreView; busy: boolean; onStarted: () => void }) {
  const { canAct } = useAccess();
  const action = useAction(cluster);
  const [confirm, setConfirm] = useState(false);
  const p = view.plan;
  if (!p) return <p className="text-sm text-muted">No plan: the ring lists no voter to restore.</p>;
  const blocked = view.checks.some((c) => !c.ok && c.severity === 'block');
  return (
    <div className="space-y-3 text-sm">
      <p>Start every member on its restored data dir, all at once (a restored member waits for its peers). They come up as a new cluster on the same endpoints{view.kubernetes ? '; then start the kube-apiservers again' : ''}.</p>
      {p.members.map((m) => (
        <CopyBlock key={m.id} label={`Start ${m.name}`} text={m.start} />
      ))}
      {view.canLaunch && (
        <div className="flex flex-wrap items-center gap-3 rounded-md border border-line bg-panel-2 p-3">
          <span>Demo ring: Ringside can do all of it (fetch, stop, restore, start, verify) through the launcher.</span>
          <Button variant="danger" disabled={!canAct || busy || blocked || action.isPending} onClick={() => setConfirm(true)}>
            <RotateCcw className="size-4" aria-hidden /> Restore the demo ring…
          </Button>
        </div>
      )}
      {action.error && <p role="alert" className="text-crit">{action.error.message}</p>}
      {confirm && (
        <ConfirmDialog
          title={`Restore ${cluster}`}
          danger
          typed={cluster}
          confirmLabel="Restore the ring"
          onClose={() => setConfirm(false)}
          onConfirm={(typed) =>
            action.mutate({ action: 'restoreRing', body: { backup: view.chosen!.id, store: view.chosen!.storeKey, confirm: typed, kubernetes: view.kubernetes } }, { onSuccess: onStarted })
          }
        >
          <p>Every member is stopped and restored from the backup of {formatUtc(view.chosen!.takenAt)}. {view.lost}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function Verify({ cluster, view }: { cluster: string; view: RestoreView }) {
  const ver = view.verification;
  return (
    <div className="space-y-3 text-sm">
      <p>As the restored members start, Ringside checks the new ring (this list updates by itself):</p>
      <ul className="space-y-1.5" aria-label="Verification">
        {ver.checks.map((c) => (
          <li key={c.key} className="flex items-start gap-2" data-check={c.key} data-ok={c.ok}>
            <span className={`inline-flex w-24 shrink-0 items-center gap-1 text-xs font-semibold uppercase ${c.ok ? 'text-ok' : 'text-muted'}`}>
              {c.ok ? <CheckCircle2 className="size-4" aria-hidden /> : <Circle className="size-4" aria-hidden />} {c.ok ? 'OK' : 'Waiting'}
            </span>
            <span>{c.message}</span>
          </li>
        ))}
      </ul>
      {ver.done ? (
        <p role="status" className="flex items-center gap-2 font-semibold text-ok">
          <CheckCircle2 className="size-5" aria-hidden /> The restored ring is up: a new cluster ID, every voter healthy, HashKV agreeing.
        </p>
      ) : (
        <p className="flex items-center gap-2 text-muted">
          <Loader2 className="size-4 animate-spin" aria-hidden /> Waiting for the new ring…
        </p>
      )}
      <p>
        <Link href={`/clusters/${cluster}`} className="text-accent hover:underline">Back to {cluster}</Link>
      </p>
    </div>
  );
}
