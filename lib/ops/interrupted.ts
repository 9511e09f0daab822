import type { Operation } from './types';

/**
 * What an operation says when the replica running it stopped mid-way (a crash seen by another
 * replica, or a shutdown): who stopped, at which step, and what to do before retrying.
 */
export function interruptedError(replica: string, step: string | null): string {
  return `interrupted: replica ${replica} stopped while ${step ? `at step "${step}"` : 'starting'}; look at the ring before you retry (the step may have half-happened)`;
}

/** The operation as its replica last reported it, ended: its running step failed, and why. */
export function interruptedOperation(op: Operation, holder: string, at: string): Operation {
  const running = op.steps.find((s) => s.state === 'running');
  return {
    ...op,
    state: 'interrupted',
    endedAt: at,
    steps: op.steps.map((s) => (s.state === 'running' ? { ...s, state: 'failed', endedAt: at } : s)),
    error: interruptedError(holder, running?.name ?? op.steps.at(-1)?.name ?? null),
  };
}
