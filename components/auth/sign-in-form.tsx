'use client';

import { KeyRound } from 'lucide-react';
import { useState } from 'react';
import { ApiError, call } from '@/lib/api/client';
import { Button } from '../ui/button';

/**
 * User and password, or an API token (a wall screen signs in once with a viewer token; the
 * session cookie it gets replaces the token, which never appears in a URL).
 */
export function SignInForm({ onDone, tokenOnly, className }: { onDone: () => void | Promise<void>; tokenOnly: boolean; className?: string }) {
  const [useToken, setUseToken] = useState(tokenOnly);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-label="Sign in"
      className={`space-y-3 ${className ?? ''}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        setBusy(true);
        setError(null);
        const text = (k: string) => String(f.get(k) ?? '');
        try {
          await call('login', { body: useToken ? { token: text('token') } : { user: text('user'), password: text('password') } });
        } catch (err) {
          setBusy(false);
          return setError(err instanceof ApiError ? err.message : 'the Ringside server did not answer');
        }
        setBusy(false);
        await onDone();
      }}
    >
      {useToken ? (
        <Field label="API token" name="token" type="password" autoComplete="off" />
      ) : (
        <>
          <Field label="User" name="user" autoComplete="username" />
          <Field label="Password" name="password" type="password" autoComplete="current-password" />
        </>
      )}
      {error && <p role="alert" className="text-sm text-crit">{error}</p>}
      <div className="flex items-center justify-between">
        {!tokenOnly ? (
          <button type="button" className="inline-flex items-center gap-1 text-xs text-muted hover:text-fg" onClick={() => setUseToken((t) => !t)}>
            <KeyRound className="size-3.5" aria-hidden /> {useToken ? 'Use a password' : 'Use an API token'}
          </button>
        ) : (
          <span />
        )}
        <Button type="submit" variant="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </div>
    </form>
  );
}

export function Field({ label, ...props }: React.InputHTMLAttributes<HTMLInputElement> & { label: string }) {
  return (
    <label className="block text-sm">
      <span className="mb-1 block text-xs font-medium text-muted">{label}</span>
      <input {...props} className="w-full rounded-md border border-line bg-bg px-2.5 py-1.5 font-mono text-sm outline-none focus:border-accent" />
    </label>
  );
}
