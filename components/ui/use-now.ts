'use client';

import { createContext, createElement, useContext, useEffect, useState } from 'react';

/**
 * The time the server rendered the page. The first render in the browser uses it too, so "updated
 * 3 s ago" comes out the same on both sides of hydration (React reports any difference as error
 * #418); the browser's own clock takes over right after.
 */
const RenderedAt = createContext<number | null>(null);

export function RenderedAtProvider({ at, children }: { at: number; children: React.ReactNode }) {
  return createElement(RenderedAt.Provider, { value: at }, children);
}

/** The current time, re-rendering every `intervalMs`, for "updated 3 s ago" labels. */
export function useNow(intervalMs = 1000): number {
  const renderedAt = useContext(RenderedAt);
  const [now, setNow] = useState(() => renderedAt ?? Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    // Right after hydration the browser's clock replaces the server's render time.
    const first = setTimeout(tick, 0);
    const t = setInterval(tick, intervalMs);
    return () => {
      clearTimeout(first);
      clearInterval(t);
    };
  }, [intervalMs]);
  return now;
}
