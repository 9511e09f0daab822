'use client';

import { useQuery } from '@tanstack/react-query';
import { AlertTriangle, ArrowLeft, ArrowRightLeft, Check, CheckCircle2, Circle, Clock, Loader2, XCircle } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { urlOf } from '@/lib/api/client';
import { lowestVersion } from '@/lib/model/etcd-versions';
import type { UpgradeMember, UpgradeMemberState, UpgradeStep, UpgradeView } from '@/lib/ops/types';
import { backupsQuery, operationsQuery, ringQuery, upgradeQuery } from '@/lib/query/keys';
import { useRingStream } from '../ring/use-ring-stream';
import { Button } from '../ui/button';
import { CopyButton } from '../ui/copy-button';
import { HealthBadge } from '../ui/health-badge';
import { Panel } from '../ui/panel';
import { CheckRow } from './check-row';
import { OperationProgress } from './operation-progress';
import { useAccess, useAction } from './use-access';

const STAGES: { key: UpgradeView['stage']; label: string }[] = [
  { key: 'preflight', label: 'Preflight' },
  { key: 'enable-downgrade', label: 'Enable downgrade' },
  { key: 'members', label: 'One member at a time' },
  { key: 'done', label: 'Done' },
];

/**
 * A guided rolling upgrade (or 3.6 -> 3.5 downgrade). Ringside cannot replace binaries: the plan
 * says what to do to one member, then reads from the ring whether it is back, caught up, on the
 * target and agreeing on HashKV before it shows the next. Everything is derived on the server and
 * refetched every second, so a reload resumes where the ring is.
 */
export function UpgradeWizard({ cluster, to }: { cluster: string; to: string | null }) {
  useRingStream(cluster);
  const ring = useQuery(ringQuery(cluster));
  const plan = useQuery(upgradeQuery(cluster, to));
  const ops = useQuery(operationsQuery(cluster));
  const { canAct, why } = useAccess();
  const v = plan.data;
  const running = ops.data?.find((o) => o.state === 'running');
  const word = v?.direction === 'downgrade' ? 'Downgrade' : 'Upgrade';

  return (
    <div className="mx-auto max-w-5xl space-y-4">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <Link href={`/clusters/${cluster}`} className="inline-flex items-center gap-1 text-sm text-muted hover:text-fg">
          <ArrowLeft className="size-4" aria-hidden /> {cluster}
        </Link>
        <h1 className="text-2xl font-semibold tracking-tight">{word} etcd</h1>
        {ring.data && <HealthBadge health={ring.data.health} />}
        {ring.data && <span className="text-sm text-muted">{ring.data.summary}</span>}
      </div>

      <TargetForm cluster={cluster} to={to} current={ring.data ? lowestVersion(ring.data.members.map((m) => m.version)) : null} />

      {!canAct && why && (
        <p className="flex items-center gap-2 rounded-md border border-warn/50 bg-warn-bg px-3 py-2 text-sm text-warn">
          <AlertTriangle className="size-4 shrink-0" aria-hidden /> {why}
        </p>
      )}
      {plan.error && (
        <p role="alert" className="rounded-md border border-crit/50 bg-crit-bg px-3 py-2 text-sm text-crit">
          Cannot plan {to ? `for ${to}` : ''}: {plan.error.message}
        </p>
      )}
      {to && !v && !plan.error && (
        <p className="flex items-center gap-2 text-sm text-muted">
          <Loader2 className="size-4 animate-spin" aria-hidden /> Reading the ring and every member’s /version…
        </p>
      )}
      {v && (
        <>
          <Stages view={v} />
          <VersionStrip view={v} />
          {v.unsupported ? (
            <p role="alert" className="rounded-md border border-crit/50 bg-crit-bg px-3 py-2 text-sm text-crit">
              {v.unsupported}
            </p>
          ) : (
            <>
              <Panel title="Preflight">
                <Preflight cluster={cluster} view={v} busy={Boolean(running)} />
              </Panel>
              {v.downgrade && v.stage !== 'done' && <DowngradeCard view={v} />}
              <Panel title={v.stage === 'done' ? 'Members' : 'Members, one at a time'}>
                <Members cluster={cluster} view={v} busy={Boolean(running)} />
              </Panel>
              {v.flagChanges.length > 0 && v.stage !== 'done' && <FlagChanges view={v} />}
              {v.notes.length > 0 && (
                <ul className="space-y-1 text-sm text-muted" aria-label="Notes">
                  {v.notes.map((n) => (
                    <li key={n}>{n}</li>
                  ))}
                </ul>
              )}
            </>
          )}
        </>
      )}
      {running && <OperationProgress op={running} />}
    </div>
  );
}

function TargetForm({ cluster, to, current }: { cluster: string; to: string | null; current: string | null }) {
  const router = useRouter();
  const [value, setValue] = useState(to ?? '');
  return (
    <form
      className="flex flex-wrap items-end gap-2 rounded-lg border border-line bg-panel px-4 py-3"
      onSubmit={(e) => {
        e.preventDefault();
        router.push(`/clusters/${cluster}/upgrade?to=${encodeURIComponent(value.trim())}`);
      }}
    >
      <label className="flex min-w-0 flex-col gap-1 text-sm">
        <span className="text-xs font-semibold uppercase tracking-wider text-muted">Target version</span>
        <input
          name="to"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
          pattern="\d+\.\d+\.\d+"
          title="An etcd release, X.Y.Z"
          placeholder="e.g. 3.5.32"
          inputMode="decimal"
          className="w-36 rounded-md border border-line bg-bg px-2 py-1.5 font-mono text-sm focus:border-accent focus:outline-none"
        />
      </label>
      <Button type="submit" variant="primary">
        Plan
      </Button>
      <p className="basis-full text-xs text-muted sm:basis-auto sm:pb-1.5">
        {current ? <>The ring runs {current}. </> : null}etcd moves one minor at a time (3.4 → 3.5 → 3.6, patches within one); 3.6 → 3.5 through etcd’s downgrade API.
      </p>
    </form>
  );
}

function Stages({ view }: { view: UpgradeView }) {
  const stages = STAGES.filter((s) => s.key !== 'enable-downgrade' || view.downgrade);
  const current = stages.findIndex((s) => s.key === view.stage);
  const done = view.members.filter((m) => m.state === 'done').length;
  return (
    <ol className="flex flex-wrap gap-x-1 gap-y-2 text-sm" aria-label="Stages">
      {stages.map((s, i) => {
        const state = view.unsupported ? 'todo' : i < current ? 'done' : i === current ? 'current' : 'todo';
        return (
          <li
            key={s.key}
            data-state={state}
            aria-current={state === 'current' ? 'step' : undefined}
            className={`flex items-center gap-1.5 rounded-md border px-2.5 py-1 ${state === 'current' ? 'border-accent bg-info-bg font-semibold text-fg' : state === 'done' ? 'border-line text-ok' : 'border-line text-muted'}`}
          >
            {state === 'done' ? <Check className="size-3.5" aria-label="done" /> : <span className="font-mono text-xs">{i + 1}</span>}
            {s.label}
            {s.key === 'members' && <span className="font-normal text-muted">({done} of {view.members.length})</span>}
          </li>
        );
      })}
    </ol>
  );
}

/** The versions as they move: from, to, and the cluster version the members report. */
function VersionStrip({ view }: { view: UpgradeView }) {
  const storage = [...new Set(view.members.map((m) => m.storageVersion).filter((s): s is string => Boolean(s)))];
  return (
    <dl className="grid grid-cols-2 gap-3 rounded-lg border border-line bg-panel px-4 py-3 text-sm sm:grid-cols-4" aria-label="Versions">
      <Fact label="From" value={view.from ?? '—'} />
      <Fact label="To" value={view.target} />
      <Fact label="Cluster version" value={view.clusterVersion ?? '—'} sub="etcdcluster on /version" />
      <Fact label="Storage version" value={storage.length ? storage.join(', ') : '—'} sub={storage.length ? 'storage on /version (3.6)' : 'reported from 3.6'} />
    </dl>
  );
}

function Fact({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] font-semibold uppercase tracking-wider text-muted">{label}</dt>
      <dd className="num break-words font-mono text-base font-semibold">{value}</dd>
      {sub && <dd className="text-xs text-muted">{sub}</dd>}
    </div>
  );
}

function Preflight({ cluster, view, busy }: { cluster: string; view: UpgradeView; busy: boolean }) {
  const { canAct, csrf } = useAccess();
  const action = useAction(cluster);
  const backups = useQuery(backupsQuery(cluster));
  const snapshotMissing = view.checks.some((c) => c.key === 'snapshot' && !c.ok);
  return (
    <div className="space-y-3 text-sm">
      <ul className="space-y-1.5" aria-label="Preflight checks">
        {view.checks.map((c) => (
          <CheckRow key={c.key} c={c} />
        ))}
      </ul>
      {snapshotMissing && (
        <div className="flex flex-wrap items-center gap-2 rounded-md border border-line bg-panel-2 p-3">
          <span>Take a snapshot now:</span>
          {backups.data?.dir && (
            <Button disabled={!canAct || busy} onClick={() => action.mutate({ action: 'backup' })}>
              Save to backup directory
            </Button>
          )}
          <form method="post" action={urlOf('snapshot', { params: { name: cluster } })}>
            <input type="hidden" name="csrf" value={csrf ?? ''} />
            <Button type="submit" disabled={!canAct}>
              Download snapshot
            </Button>
          </form>
        </div>
      )}
      {action.error && (
        <p role="alert" className="text-crit">
          {action.error.message}
        </p>
      )}
      {view.blocked && view.stage !== 'done' && (
        <p role="status" className="rounded-md border border-crit/50 bg-crit-bg px-3 py-2 text-crit">
          Ringside withholds the {view.stage === 'preflight' ? 'first' : 'next'} member&apos;s steps until the blocking checks pass.
        </p>
      )}
    </div>
  );
}

function DowngradeCard({ view }: { view: UpgradeView }) {
  const d = view.downgrade!;
  return (
    <Panel title="Enable the downgrade (etcd’s downgrade API)">
      <div className="space-y-2 text-sm">
        <p>
          Before any binary changes: validate the target, then enable the downgrade. etcd sets the cluster version to {view.target.split('.').slice(0, 2).join('.')} and migrates every member&apos;s storage to it in the background.
        </p>
        <Commands lines={d.commands} label="Downgrade commands" />
        <ul className="space-y-1" aria-label="Downgrade state">
          <StateLine ok={d.enabled} text={d.enabled ? 'Downgrade enabled: the members report the target cluster version.' : 'Not enabled yet: the members still report the old cluster version.'} />
          <StateLine ok={d.migrated} text={d.migrated ? 'Storage migrated on every member.' : 'Waiting for every member’s storage version to reach the target.'} />
        </ul>
      </div>
    </Panel>
  );
}

function StateLine({ ok, text }: { ok: boolean; text: string }) {
  return (
    <li className="flex items-start gap-2">
      {ok ? <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-ok" aria-hidden /> : <Clock className="mt-0.5 size-4 shrink-0 text-info" aria-hidden />}
      <span>{text}</span>
    </li>
  );
}

const LOOK: Record<UpgradeMemberState, { Icon: typeof Circle; word: string; tone: string }> = {
  done: { Icon: CheckCircle2, word: 'Done', tone: 'text-ok' },
  next: { Icon: ArrowRightLeft, word: 'Now', tone: 'text-accent' },
  restarting: { Icon: Loader2, word: 'Restarting', tone: 'text-info' },
  'catching-up': { Icon: Loader2, word: 'Catching up', tone: 'text-info' },
  verifying: { Icon: Loader2, word: 'Verifying', tone: 'text-info' },
  waiting: { Icon: Circle, word: 'Waiting', tone: 'text-muted' },
};

function Members({ cluster, view, busy }: { cluster: string; view: UpgradeView; busy: boolean }) {
  return (
    <ol className="space-y-3" aria-label="Members in order">
      {view.members.map((m, i) => (
        <li key={m.id} data-member={m.name} data-state={m.state} className={`rounded-md border px-3 py-2 ${m.id === view.currentId ? 'border-accent/60 bg-info-bg/40' : 'border-line'}`}>
          <MemberLine m={m} index={i} />
          {m.id === view.currentId && view.steps.length > 0 && <CurrentSteps cluster={cluster} view={view} busy={busy} />}
          {m.id === view.currentId && view.steps.length === 0 && m.state === 'next' && view.blocked && (
            <p className="mt-1 flex items-start gap-1.5 text-sm text-crit">
              <XCircle className="mt-0.5 size-4 shrink-0" aria-hidden /> Withheld until the blocking checks above pass.
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}

function MemberLine({ m, index }: { m: UpgradeMember; index: number }) {
  const look = LOOK[m.state];
  const spinning = m.state === 'restarting' || m.state === 'catching-up' || m.state === 'verifying';
  return (
    <div className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 text-sm">
      <span className="font-mono text-xs text-muted">{index + 1}</span>
      <strong>{m.name}</strong>
      {m.isLeader && <span className="rounded border border-line px-1 text-[11px] uppercase tracking-wide text-muted">leader</span>}
      <span className={`inline-flex items-center gap-1 font-semibold ${look.tone}`}>
        <look.Icon className={`size-4 ${spinning ? 'animate-spin' : ''}`} aria-hidden /> {look.word}
      </span>
      <span className="font-mono text-xs">
        runs {m.version ?? '—'}
        {m.clusterVersion && <span className="text-muted"> · cluster {m.clusterVersion}</span>}
        {m.storageVersion && <span className="text-muted"> · storage {m.storageVersion}</span>}
      </span>
      <span className="basis-full text-xs text-muted">{m.detail}</span>
    </div>
  );
}

function CurrentSteps({ cluster, view, busy }: { cluster: string; view: UpgradeView; busy: boolean }) {
  const { canAct } = useAccess();
  const action = useAction(cluster);
  const to = view.moveLeaderTo;
  return (
    <ol className="mt-2 space-y-2 border-t border-line/70 pt-2 text-sm" aria-label="Steps for this member">
      {view.steps.map((s, i) => (
        <li key={s.title} className="space-y-1">
          <StepTitle step={s} n={i + 1} />
          {s.text && <p className="text-fg/85">{s.text}</p>}
          {s.commands && <Commands lines={s.commands} label={s.title} />}
          {i === 0 && to && s.title.startsWith('Move leadership') && (
            <Button disabled={!canAct || busy || action.isPending} onClick={() => action.mutate({ action: 'moveLeader', body: { to: to.id } })}>
              Move leader to {to.name}
            </Button>
          )}
        </li>
      ))}
      {action.error && (
        <li role="alert" className="text-crit">
          {action.error.message}
        </li>
      )}
    </ol>
  );
}

function StepTitle({ step, n }: { step: UpgradeStep; n: number }) {
  return (
    <p className="font-semibold">
      <span className="mr-1.5 font-mono text-xs text-muted">{n}.</span>
      {step.title}
    </p>
  );
}

/** Commands to paste, wrapped rather than scrolled so a phone shows them whole; one copy button. */
function Commands({ lines, label }: { lines: string[]; label: string }) {
  const text = lines.join('\n');
  return (
    <div className="flex items-start gap-2 rounded bg-bg px-3 py-2">
      <pre aria-label={label} className="min-w-0 flex-1 whitespace-pre-wrap break-all font-mono text-xs leading-relaxed">
        {text}
      </pre>
      <CopyButton text={text} className="shrink-0" />
    </div>
  );
}

function FlagChanges({ view }: { view: UpgradeView }) {
  return (
    <details className="rounded-lg border border-line bg-panel px-4 py-3 text-sm">
      <summary className="cursor-pointer text-xs font-semibold uppercase tracking-wider text-muted">
        Flag changes {view.from} → {view.target} ({view.flagChanges.length})
      </summary>
      <ul className="mt-2 space-y-1" aria-label="Flag changes">
        {view.flagChanges.map((c) => (
          <li key={c.flag} className="break-words">
            <code className="text-warn">{c.flag}</code> → {c.replacement ? <code>{c.replacement}</code> : <span className="text-muted">remove it</span>}
            <span className="text-xs text-muted"> · {c.note}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}
