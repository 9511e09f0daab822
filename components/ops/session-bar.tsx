'use client';

import { useQueryClient } from '@tanstack/react-query';
import { Eye, KeyRound, Lock, LogIn, LogOut, ShieldCheck } from 'lucide-react';
import { useState } from 'react';
import { accessQuery } from '@/lib/query/keys';
import { Button } from '../ui/button';
import { useAccess } from './use-access';

/** The header's access state: read-only, who is signed in (and as what), or a sign-in form. */
export function SessionBar() {
  const { access, csrf } = useAccess();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  // Signing in or out changes what the server shows: actions, and server paths in operations,
  // the audit log and backups (an operator's only).
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: accessQuery().queryKey }),
      queryClient.invalidateQueries({ predicate: (q) => ['operations', 'audit', 'backups'].includes(String(q.queryKey[3])) }),
    ]);

  if (!access) return null;
  if (access.mode === 'read-only' || (access.mode === 'no-operators' && !access.methods.length)) {
    return (
      <span className="inline-flex items-center gap-1.5 whitespace-nowrap rounded border border-line px-2 py-0.5 text-xs font-medium text-muted" title={access.mode === 'read-only' ? 'readOnly: true in the config' : 'no operators are configured'}>
        <Lock className="size-3.5" aria-hidden /> Read-only
      </span>
    );
  }
  if (access.user) {
    const Icon = access.user.role === 'operator' ? ShieldCheck : Eye;
    return (
      <span className="flex items-center gap-3 text-sm">
        {/* On a phone the header keeps the name and the icon (its role); the words return at a desk. */}
        <span className="inline-flex items-center gap-1.5" aria-label="Signed in" title={`${access.user.name}, ${access.user.role}`}>
          <Icon className={`size-4 ${access.user.role === 'operator' ? 'text-ok' : 'text-muted'}`} aria-hidden />
          <span className="font-medium">{access.user.name}</span>
          <span className="sr-only text-muted sm:not-sr-only">{access.user.role}</span>
        </span>
        {access.user.via !== 'proxy' && (
          <button
            type="button"
            className="inline-flex items-center gap-1 text-muted hover:text-fg"
            onClick={async () => {
              await fetch('/api/auth/logout', { method: 'POST', headers: csrf ? { 'x-ringside-csrf': csrf } : {} });
              await refresh();
            }}
          >
            <LogOut className="size-4" aria-hidden /> <span className="sr-only sm:not-sr-only">Sign out</span>
          </button>
        )}
      </span>
    );
  }
  return (
    <div className="relative">
      <Button onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        <LogIn className="size-4" aria-hidden /> Sign in
      </Button>
      {open && <SignInForm onDone={async () => { setOpen(false); await refresh(); }} tokenOnly={!access.methods.includes('password')} />}
    </div>
  );
}

function SignInForm({ onDone, tokenOnly }: { onDone: () => void; tokenOnly: boolean }) {
  const [useToken, setUseToken] = useState(tokenOnly);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-label="Sign in"
      className="absolute right-0 top-10 z-30 w-72 space-y-3 rounded-lg border border-line bg-panel p-4 shadow-xl"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        setBusy(true);
        setError(null);
        const body = useToken ? { token: f.get('token') } : { user: f.get('user'), password: f.get('password') };
        const res = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        setBusy(false);
        if (res.ok) return onDone();
        const j = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(j?.error?.message ?? `sign-in failed (${res.status})`);
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
