'use client';

import { Copy } from 'lucide-react';
import { useState } from 'react';

/** Copies `text` to the clipboard and says so for a moment: the one Copy button of every command block. */
export function CopyButton({ text, className = '' }: { text: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={`inline-flex items-center gap-1 text-xs text-muted hover:text-fg ${className}`}
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => undefined);
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      <Copy className="size-3.5" aria-hidden /> {copied ? 'Copied' : 'Copy'}
    </button>
  );
}
