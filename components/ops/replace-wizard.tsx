'use client';

import { useQuery } from '@tanstack/react-query';
import { AlertTriangle, ArrowLeft, Check, CheckCircle2, Circle, Loader2, Play, Rocket, Trash2, UserPlus, XCircle } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { urlOf } from '@/lib/api/client';
import { PROMOTE_READY } from '@/lib/model/etcd-versions';
import type { ReplacementStep, ReplacementView, StartInstructions } from '@/lib/ops/types';
import { backupsQuery, operationsQuery, replacementQuery, ringQuery } from '@/lib/query/keys';
import { HealthBadge } from '../ui/health-badge';
import { CopyButton } from '../ui/copy-button';
import { Button } from '../ui/button';
import { Panel } from '../ui/panel';
import { useRingStream } from '../ring/use-ring-stream';
import { CheckRow } from './check-row';
import { ConfirmDialog } from './confirm-dialog';
import { OperationProgress } from './operation-progress';
import { Field } from '../auth/sign-in-form';
import { useAccess, useAction } from './use-access';

const STEPS: { key: ReplacementStep[]; label: string }[] = [
  { key: ['choose', 'preflight'], label: 'Preflight' },
  { key: [], label: 'Remove' },
  { key: ['add'], label: 'Add learner' },
  { key: ['start'], label: 'Start it' },
  { key: ['catch-up'], label: 'Catch up' },
  { key: ['promote'], label: 'Promote' },
  { key: ['verify'], label: 'Verify' },
  { key: ['done'], label: 'Update API servers' },
];

/**
 * The member replacement wizard. Every screen is derived on the server from etcd's membership (and
 * the audit log for names), refetched each second, so a reload or a Ringside restart resumes at
 * the step the ring is really at.
 */
export function ReplaceWizard({ cluster, member }: { cluster: string; member: string | null }) {
  useRingStream(cluster);
  const ring = useQuery(ringQuery(cluster));
  const view = useQuery(replacementQuery(cluster, member));
  const ops = useQuery(operationsQuery(cluster));
  const { canAct, why } = useAccess();
  const running = ops.data?.find((o) => o.state === 'running');
  const recent = ops.data?.[0];
  const v = view.data;
  const current = v ? STEPS.findIndex((s) => s.key.includes(v.step)) : 0;

  return (
    <div className="mx-auto max-w-5xl space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <Link href={`/clusters/${cluster}`} className="inline-flex items-center gap-1 text-sm text-muted hover:text-fg">
          <ArrowLeft className="size-4" aria-hidden /> {cluster}
        </Link>
        <h1 className="text-2xl font-semibold tracking-tight">Replace a member</h1>
        {ring.data && <HealthBadge health={ring.data.health} />}
        {ring.data && <span className="text-sm text-muted">{ring.data.summary}</span>}
      </div>

      <ol className="flex flex-wrap gap-x-1 gap-y-2 text-sm" aria-label="Steps">
        {STEPS.map((s, i) => {
          const state = i < current ? 'done' : i === current ? 'current' : 'todo';
          return (
            <li key={s.label} data-state={state} aria-current={state === 'current' ? 'step' : undefined} className={`flex items-center gap-1.5 rounded-md border px-2.5 py-1 ${state === 'current' ? 'border-accent bg-info-bg font-semibold text-fg' : state === 'done' ? 'border-line text-ok' : 'border-line text-muted'}`}>
              {state === 'done' ? <Check className="size-3.5" aria-label="done" /> : <span className="font-mono text-xs">{i + 1}</span>}
              {s.label}
            </li>
          );
        })}
      </ol>

      {!canAct && why && (
        <p className="flex items-center gap-2 rounded-md border border-warn/50 bg-warn-bg px-3 py-2 text-sm text-warn">
          <AlertTriangle className="size-4" aria-hidden /> {why}
        </p>
      )}
      {v?.notes.map((n) => (
        <p key={n} className="rounded-md border border-line bg-panel-2 px-3 py-2 text-sm">{n}</p>
      ))}

      {view.error && <p role="alert" className="text-crit">Cannot load the wizard: {view.error.message}</p>}
      {!v ? (
        <p className="text-muted">Loading…</p>
      ) : (
        <Panel title={STEPS[current]?.label ?? v.step}>
          <StepBody cluster={cluster} view={v} busy={Boolean(running)} />
        </Panel>
      )}
      {(running ?? recent) && <OperationProgress op={(running ?? recent)!} />}
    </div>
  );
}

function StepBody({ cluster, view, busy }: { cluster: string; view: ReplacementView; busy: boolean }) {
  switch (view.step) {
    case 'choose':
      return <Choose cluster={cluster} />;
    case 'preflight':
      return <Preflight cluster={cluster} view={view} busy={busy} />;
    case 'add':
      return <AddLearner cluster={cluster} view={view} busy={busy} />;
    case 'start':
      return <Start cluster={cluster} view={view} busy={busy} />;
    case 'catch-up':
    case 'promote':
      return <Promote cluster={cluster} view={view} busy={busy} />;
    case 'verify':
      return (
        <p className="flex items-center gap-2 text-sm">
          <Loader2 className="size-4 animate-spin text-info" aria-hidden /> {view.learner?.name} is a voter. Waiting for every voter to be healthy and for HashKV to agree on all of them…
        </p>
      );
    case 'done':
      return <Done cluster={cluster} view={view} />;
  }
}

function Choose({ cluster }: { cluster: string }) {
  const ring = useQuery(ringQuery(cluster));
  const voters = ring.data?.members.filter((m) => !m.isLearner) ?? [];
  return (
    <div className="space-y-2 text-sm">
      <p>Which member do you replace? Pick the one that is down or whose data disagrees.</p>
      <ul className="flex flex-wrap gap-2">
        {voters.map((m) => (
          <li key={m.id}>
            <Link href={`/clusters/${cluster}/replace?member=${m.id}`} className="inline-flex items-center gap-1.5 rounded-md border border-line bg-panel-2 px-3 py-1.5 hover:border-accent/60">
              {m.reachable ? <Circle className="size-3.5 text-ok" aria-hidden /> : <XCircle className="size-3.5 text-crit" aria-hidden />}
              {m.name || m.id} {m.reachable ? '' : '(down)'}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Preflight({ cluster, view, busy }: { cluster: string; view: ReplacementView; busy: boolean }) {
  const { canAct, csrf } = useAccess();
  const action = useAction(cluster);
  const backups = useQuery(backupsQuery(cluster));
  const [confirm, setConfirm] = useState(false);
  const t = view.target!;
  const blocked = view.checks.filter((c) => !c.ok && c.severity === 'block');
  const snapshotMissing = view.checks.some((c) => c.key === 'snapshot' && !c.ok);
  return (
    <div className="space-y-4 text-sm">
      <p>
        Replacing <strong>{t.name || t.id}</strong> <span className="font-mono text-muted">({t.id}, {t.peerURLs.join(', ')})</span>.
      </p>
      <ul className="space-y-1.5" aria-label="Preflight checks">
        {view.checks.map((c) => (
          <CheckRow key={c.key} c={c} />
        ))}
      </ul>
      {snapshotMissing && (
        <div className="flex flex-wrap items-center gap-2 rounded-md border border-line bg-panel-2 p-3">
          <span>Take a snapshot now:</span>
          {Boolean(backups.data?.stores.length) && (
            <Button disabled={!canAct || busy} onClick={() => action.mutate({ action: 'backup' })}>
              Back up now
            </Button>
          )}
          <form method="post" action={urlOf('snapshot', { params: { name: cluster } })}>
            <input type="hidden" name="csrf" value={csrf ?? ''} />
            <Button type="submit" disabled={!canAct}>Download snapshot</Button>
          </form>
        </div>
      )}
      {blocked.length > 0 && (
        <p role="status" className="rounded-md border border-crit/50 bg-crit-bg px-3 py-2 text-crit">
          Ringside will not remove {t.name || t.id} until the blocking checks pass.
        </p>
      )}
      <Button variant="danger" disabled={!canAct || busy || blocked.length > 0} onClick={() => setConfirm(true)}>
        <Trash2 className="size-4" aria-hidden /> Remove {t.name || t.id} from the ring…
      </Button>
      {action.error && <p role="alert" className="text-crit">{action.error.message}</p>}
      {confirm && (
        <ConfirmDialog
          title={`Remove ${t.name || t.id}`}
          danger
          typed={t.name || t.id}
          confirmLabel="Remove member"
          onClose={() => setConfirm(false)}
          onConfirm={(typed) => action.mutate({ action: 'removeMember', member: t.id, body: { confirm: typed } })}
        >
          <p>etcd forgets this member: its data dir can never rejoin. Next, the wizard adds a new member in its place as a learner.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function AddLearner({ cluster, view, busy }: { cluster: string; view: ReplacementView; busy: boolean }) {
  const { canAct } = useAccess();
  const action = useAction(cluster);
  const s = view.suggestion!;
  return (
    <form
      className="space-y-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        action.mutate({ action: 'addLearner', body: { name: String(f.get('name') ?? ''), peerURL: String(f.get('peerURL') ?? ''), clientURL: String(f.get('clientURL') ?? '') } });
      }}
    >
      <p>
        {view.target?.name ?? 'The member'} is out of the ring. Add its replacement as a <strong>learner</strong>: it receives the data but does not vote, so quorum is untouched until it has caught up. The same name and peer URL fit a repaired machine; change them for a new one.
      </p>
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Name" name="name" defaultValue={s.name} required />
        <Field label="Peer URL" name="peerURL" defaultValue={s.peerURL} required />
        <Field label="Client URL" name="clientURL" defaultValue={s.clientURL} required />
      </div>
      <Button type="submit" variant="primary" disabled={!canAct || busy || action.isPending}>
        <UserPlus className="size-4" aria-hidden /> Add as learner
      </Button>
      {action.error && <p role="alert" className="text-crit">{action.error.message}</p>}
    </form>
  );
}

function Start({ cluster, view, busy }: { cluster: string; view: ReplacementView; busy: boolean }) {
  const { canAct } = useAccess();
  const action = useAction(cluster);
  const l = view.learner!;
  return (
    <div className="space-y-3 text-sm">
      <p>
        {l.name} (<span className="font-mono">{l.id}</span>) is in the member list as a learner but not running. Start etcd{view.instructions?.version ? <> {view.instructions.version} (what the ring runs)</> : null} on its machine with an <strong>empty data dir</strong> and these settings; <code>initial-cluster-state: existing</code> makes it join instead of founding a new cluster, and etcd&apos;s corruption checks are on, spelled for that version.
      </p>
      <Instructions ins={view.instructions!} />
      {view.canLaunch && (
        <Button variant="primary" disabled={!canAct || busy || action.isPending} onClick={() => action.mutate({ action: 'launchMember', member: l.id })}>
          <Play className="size-4" aria-hidden /> Start {l.name} (demo ring)
        </Button>
      )}
      {action.error && <p role="alert" className="text-crit">{action.error.message}</p>}
      <p className="text-xs text-muted">This page moves on by itself once {l.name} answers.</p>
    </div>
  );
}

function Instructions({ ins }: { ins: StartInstructions }) {
  const tabs = [
    { key: 'flags', label: 'etcd flags', text: ins.flags },
    { key: 'env', label: 'ETCD_* environment', text: ins.env },
    { key: 'yaml', label: 'etcd-config.yml', text: ins.configYaml },
  ];
  const [tab, setTab] = useState('flags');
  const current = tabs.find((t) => t.key === tab)!;
  return (
    <div className="rounded-md border border-line">
      <div role="tablist" className="flex border-b border-line">
        {tabs.map((t) => (
          <button key={t.key} role="tab" type="button" aria-selected={tab === t.key} onClick={() => setTab(t.key)} className={`px-3 py-1.5 text-sm ${tab === t.key ? 'border-b-2 border-accent font-semibold' : 'text-muted hover:text-fg'}`}>
            {t.label}
          </button>
        ))}
        <CopyButton text={current.text} className="ml-auto px-3" />
      </div>
      <pre role="tabpanel" aria-label={current.label} className="overflow-x-auto p-3 font-mono text-xs leading-relaxed">{current.text}</pre>
      {ins.tls && <p className="border-t border-line px-3 py-2 text-xs text-muted">The ring uses TLS: the /etc/etcd/pki paths are placeholders for this member&apos;s own certificates, signed by the ring&apos;s CA.</p>}
    </div>
  );
}

function Promote({ cluster, view, busy }: { cluster: string; view: ReplacementView; busy: boolean }) {
  const { canAct } = useAccess();
  const action = useAction(cluster);
  const l = view.learner!;
  const pct = l.raftIndex != null && l.leaderRaftIndex ? Math.min(100, Math.round((l.raftIndex / l.leaderRaftIndex) * 100)) : 0;
  return (
    <div className="space-y-3 text-sm">
      <p>
        {l.name} runs and is catching up with the leader. It can vote once promoted; etcd refuses until it is in sync, so Ringside retries for a while, then checks that every voter is healthy and that HashKV agrees.
      </p>
      <div>
        <div className="mb-1 flex justify-between font-mono text-xs" aria-label="Raft index">
          <span>learner raft index {l.raftIndex ?? '?'}</span>
          <span>leader {l.leaderRaftIndex ?? '?'}</span>
        </div>
        <div className="h-2.5 overflow-hidden rounded bg-panel-2" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="Catch-up">
          <div className="h-full bg-accent transition-all" style={{ width: `${pct}%` }} />
        </div>
        <p className="mt-1 text-xs text-muted">
          {view.step === 'promote' ? 'In sync: ready to promote' : 'Catching up…'} (etcd promotes a learner at {PROMOTE_READY * 100}% of the leader’s raft index)
        </p>
      </div>
      <Button variant="primary" disabled={!canAct || busy || action.isPending} onClick={() => action.mutate({ action: 'promoteMember', member: l.id })}>
        <Rocket className="size-4" aria-hidden /> Promote {l.name} to voter
      </Button>
      {action.error && <p role="alert" className="text-crit">{action.error.message}</p>}
    </div>
  );
}

function Done({ cluster, view }: { cluster: string; view: ReplacementView }) {
  return (
    <div className="space-y-3 text-sm">
      <p className="flex items-center gap-2 text-ok">
        <CheckCircle2 className="size-5" aria-hidden /> <strong>{view.learner?.name}</strong> is a voter; every voter is healthy and HashKV agrees.
      </p>
      <p>Last step, by hand: point every API server at the current members. Set this on each kube-apiserver (e.g. /etc/kubernetes/manifests/kube-apiserver.yaml) and let it restart:</p>
      <pre aria-label="etcd-servers" className="overflow-x-auto rounded bg-bg p-3 font-mono text-xs">--etcd-servers={view.etcdServers}</pre>
      <p>
        <Link href={`/clusters/${cluster}`} className="text-accent hover:underline">Back to {cluster}</Link>
      </p>
    </div>
  );
}
