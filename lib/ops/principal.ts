import type { Principal as SignedIn } from '../auth/guard';

/**
 * Who is acting: an operator as lib/auth identified them, or Ringside's own scheduler
 * (lib/schedule), which runs scheduled work through the same runner and audit log.
 */
export type Principal = SignedIn | SchedulePrincipal;

export interface SchedulePrincipal {
  name: 'ringside (schedule)';
  role: 'operator';
  via: 'schedule';
}

/** The principal of every scheduled run: its audit lines say "ringside (schedule)". */
export const SCHEDULE: SchedulePrincipal = { name: 'ringside (schedule)', role: 'operator', via: 'schedule' };
