'use client';

import { useQueryClient } from '@tanstack/react-query';
import { Eye, Lock, LogIn, LogOut, ShieldCheck } from 'lucide-react';
import { usePathname } from 'next/navigation';
import { useState } from 'react';
import { call } from '@/lib/api/client';
import { accessQuery } from '@/lib/query/keys';
import { SignInForm } from '../auth/sign-in-form';
import { Button } from '../ui/button';
import { useAccess } from './use-access';

/** The header's access state: read-only, who is signed in (and as what), or a sign-in form. */
export function SessionBar() {
  const { access, csrf } = useAccess();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  // The sign-in page is the form itself; a second one in the header would only confuse.
  const onSignInPage = usePathname() === '/signin';
  // Signing in or out changes what the server shows: actions, and server paths in operations,
  // the audit log and backups (an operator's only).
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: accessQuery().queryKey }),
      queryClient.invalidateQueries({ predicate: (q) => ['operations', 'audit', 'backups'].includes(String(q.queryKey[3])) }),
    ]);

  if (!access || (onSignInPage && !access.user)) return null;
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
              await call('logout', { csrf }).catch(() => undefined);
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
        <LogIn className="size-4" aria-hidden /> <span className="sr-only sm:not-sr-only">Sign in</span>
      </Button>
      {open && (
        <SignInForm
          className="absolute right-0 top-10 z-30 w-72 rounded-lg border border-line bg-panel p-4 shadow-xl"
          onDone={async () => {
            setOpen(false);
            await refresh();
          }}
          tokenOnly={!access.methods.includes('password')}
        />
      )}
    </div>
  );
}
