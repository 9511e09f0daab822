'use client';

import { AlertOctagon, Loader2, RotateCcw } from 'lucide-react';
import Link from 'next/link';

/**
 * A page that failed as a whole (its panels fail on their own, see PanelBoundary): what broke,
 * a way to try again, and the way back to every cluster.
 */
export function RouteError({ error, reset, what }: { error: Error & { digest?: string }; reset: () => void; what: string }) {
  return (
    <div role="alert" className="mx-auto mt-10 max-w-xl space-y-3 rounded-lg border border-crit/50 bg-crit-bg p-6">
      <h1 className="flex items-center gap-2 text-lg font-semibold text-crit">
        <AlertOctagon className="size-5" aria-hidden /> {what} could not be shown
      </h1>
      <p className="text-sm text-muted">
        {error.digest ? `The server failed to draw it (error ${error.digest}; its log says why).` : error.message.slice(0, 300)}
      </p>
      <div className="flex gap-3 text-sm">
        <button type="button" onClick={reset} className="inline-flex items-center gap-1 rounded border border-line px-3 py-1 hover:bg-panel-2">
          <RotateCcw className="size-4" aria-hidden /> Try again
        </button>
        <Link href="/" className="inline-flex items-center rounded border border-line px-3 py-1 hover:bg-panel-2">
          All clusters
        </Link>
      </div>
    </div>
  );
}

/** While a page's server part renders (it reads this process's state, so this is brief). */
export function RouteLoading({ what }: { what: string }) {
  return (
    <p role="status" className="flex items-center gap-2 text-muted">
      <Loader2 className="size-4 animate-spin" aria-hidden /> Opening {what}…
    </p>
  );
}
