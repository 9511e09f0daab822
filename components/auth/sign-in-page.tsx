'use client';

import { LogIn } from 'lucide-react';
import { SignInForm } from './sign-in-form';

/** A path on this site to go back to after signing in; anything else goes home (no open redirect). */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/**
 * The page `auth.anonymous: none` sends everyone to first. After signing in the browser loads
 * the page it asked for, with the session cookie; a token typed here is never put in a URL.
 */
export function SignInPage({ next, tokenOnly }: { next?: string; tokenOnly: boolean }) {
  return (
    <div className="mx-auto mt-16 max-w-sm rounded-lg border border-line bg-panel p-6">
      <h1 className="mb-1 flex items-center gap-2 text-lg font-semibold">
        <LogIn className="size-5" aria-hidden /> Sign in to Ringside
      </h1>
      <p className="mb-4 text-sm text-muted">This Ringside shows nothing without signing in. A wall screen signs in once with a viewer&apos;s API token.</p>
      <SignInForm tokenOnly={tokenOnly} onDone={() => window.location.assign(safeNext(next))} />
    </div>
  );
}
