/**
 * What an operation says when the replica running it stopped mid-way (a crash seen by another
 * replica, or a shutdown): who stopped, at which step, and what to do before retrying.
 */
export function interruptedError(replica: string, step: string | null): string {
  return `interrupted: replica ${replica} stopped while ${step ? `at step "${step}"` : 'starting'}; look at the ring before you retry (the step may have half-happened)`;
}
