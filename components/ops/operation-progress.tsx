'use client';

import { CheckCircle2, Circle, Loader2, MinusCircle, XCircle } from 'lucide-react';
import { formatClock } from '@/lib/model/format';
import type { Operation, StepState } from '@/lib/ops/types';

const stepLook: Record<StepState, { Icon: typeof Circle; tone: string; word: string }> = {
  pending: { Icon: Circle, tone: 'text-muted', word: 'pending' },
  running: { Icon: Loader2, tone: 'text-info animate-spin', word: 'running' },
  done: { Icon: CheckCircle2, tone: 'text-ok', word: 'done' },
  failed: { Icon: XCircle, tone: 'text-crit', word: 'failed' },
  skipped: { Icon: MinusCircle, tone: 'text-muted', word: 'skipped' },
};

const actionWords: Record<string, string> = {
  'member-remove': 'Remove member',
  'member-add': 'Add learner',
  'member-launch': 'Start member',
  'member-promote': 'Promote learner',
  defragment: 'Defragment',
  'move-leader': 'Move leader',
  'alarm-disarm': 'Disarm alarm',
  'snapshot-backup': 'Backup',
  'backup-drill': 'Restore drill',
  'disaster-restore': 'Disaster restore',
  'snapshot-download': 'Snapshot download',
  'notify-test': 'Test alert',
  'notify-failed': 'Alert delivery failed',
  'notify-recovered': 'Alert delivery recovered',
  'notify-rejected': 'Alert refused by receiver',
  'notify-dropped': 'Alert delivery dropped',
  'notify-state': 'Alert delivery state',
};

export function actionWord(action: string): string {
  return actionWords[action] ?? action;
}

/** An operation step by step, as it runs: each step's state in words and an icon, and what it did. */
export function OperationProgress({ op }: { op: Operation }) {
  const state = op.state === 'running' ? 'Running' : op.state === 'succeeded' ? 'Succeeded' : op.state === 'interrupted' ? 'Interrupted' : 'Failed';
  const StateIcon = op.state === 'running' ? Loader2 : op.state === 'succeeded' ? CheckCircle2 : XCircle;
  const tone = op.state === 'running' ? 'text-info' : op.state === 'succeeded' ? 'text-ok' : 'text-crit';
  return (
    <section aria-label={`Operation ${actionWord(op.action)}`} data-state={op.state} className="rounded-md border border-line bg-panel-2/50 p-3">
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <span className={`inline-flex items-center gap-1.5 font-semibold ${tone}`}>
          <StateIcon className={`size-4 ${op.state === 'running' ? 'animate-spin' : ''}`} aria-hidden />
          {state}
        </span>
        <span className="font-medium">{actionWord(op.action)}{op.member ? ` · ${op.member.name || op.member.id}` : ''}</span>
        <span className="text-muted">by {op.user} at {formatClock(op.startedAt)}</span>
      </header>
      <ol className="mt-2 space-y-1 text-sm">
        {op.steps.map((s, i) => {
          const look = stepLook[s.state];
          return (
            <li key={i} className="flex items-start gap-2" data-step-state={s.state}>
              <look.Icon className={`mt-0.5 size-4 shrink-0 ${look.tone}`} aria-label={look.word} />
              <span>
                {s.name}
                {s.detail && <span className="ml-2 font-mono text-xs text-muted">{s.detail}</span>}
              </span>
            </li>
          );
        })}
      </ol>
      {op.error && (
        <p role="alert" className="mt-2 rounded border border-crit/50 bg-crit-bg px-2 py-1.5 text-sm text-crit">
          {op.error}
        </p>
      )}
    </section>
  );
}
