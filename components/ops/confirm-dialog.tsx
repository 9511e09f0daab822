'use client';

import { AlertTriangle } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Button } from '../ui/button';

/**
 * Confirms an action. Destructive ones need the operator to type a word (the member's or the
 * cluster's name), so a 3 a.m. misclick cannot remove the wrong member.
 */
export function ConfirmDialog({
  title,
  children,
  typed,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
}: {
  title: string;
  children: React.ReactNode;
  /** The word to type, or none for a plain confirmation. */
  typed?: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: (typed: string) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [value, setValue] = useState('');
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const ok = !typed || value === typed;
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-label={title}
      className="m-auto w-[min(34rem,92vw)] rounded-lg border border-line bg-panel p-0 text-fg shadow-2xl backdrop:bg-black/60"
    >
      <form
        method="dialog"
        className="space-y-4 p-5"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ok) return;
          onConfirm(value);
          ref.current?.close();
        }}
      >
        <h2 className="flex items-center gap-2 text-lg font-semibold">
          {danger && <AlertTriangle className="size-5 text-warn" aria-hidden />}
          {title}
        </h2>
        <div className="space-y-2 text-sm text-muted">{children}</div>
        {typed && (
          <label className="block text-sm">
            <span className="mb-1 block">
              Type <code className="rounded bg-panel-2 px-1 font-mono text-fg">{typed}</code> to confirm
            </span>
            <input
              autoFocus
              value={value}
              onChange={(e) => setValue(e.target.value)}
              aria-label={`Type ${typed} to confirm`}
              className="w-full rounded-md border border-line bg-bg px-2.5 py-1.5 font-mono outline-none focus:border-accent"
            />
          </label>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={() => ref.current?.close()}>Cancel</Button>
          <Button type="submit" variant={danger ? 'danger' : 'primary'} disabled={!ok}>
            {confirmLabel}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
