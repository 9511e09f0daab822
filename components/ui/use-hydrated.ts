'use client';

import { useSyncExternalStore } from 'react';

const never = () => () => {};

/**
 * False on the server and during hydration, true after. For text that only the browser can know
 * (its clock, its time zone): rendered on the server it would differ from the browser's first
 * render, which React reports as a hydration error (#418) and repairs by re-rendering the tree.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    never,
    () => true,
    () => false,
  );
}
