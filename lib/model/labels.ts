import type { MemberState } from '../ring/types';

/** How a member is named on screen: by its name, or its ID before it has one (added, not started). */
export function memberLabel(m: Pick<MemberState, 'name' | 'id'>): string {
  return m.name || m.id;
}
