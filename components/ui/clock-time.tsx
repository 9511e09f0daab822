'use client';

import { formatClock } from '@/lib/model/format';
import { useHydrated } from './use-hydrated';

/**
 * A wall-clock time in the reader's own time zone. The server cannot know that zone, so on a page
 * painted by the server the time appears right after hydration instead of differing from it.
 */
export function ClockTime({ iso }: { iso: string }) {
  const hydrated = useHydrated();
  return <time dateTime={iso}>{hydrated ? formatClock(iso) : ''}</time>;
}
