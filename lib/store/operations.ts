/** What an interrupted operation says: which replica stopped, at which step, and what to do. */
export function interruptedError(replica: string, step: string | null): string {
  return `interrupted: replica ${replica} stopped while ${step ? `at step "${step}"` : 'starting'}; look at the ring before you retry (the step may have half-happened)`;
}
