import type { Metadata } from 'next';
import { GeistMono } from 'geist/font/mono';
import { GeistSans } from 'geist/font/sans';
import Link from 'next/link';
import { HydrationBoundary } from '@tanstack/react-query';
import { headers } from 'next/headers';
import { connection } from 'next/server';
import { accessFirstPaint } from '@/lib/http/first-paint';
import { ringside } from '@/lib/root';
import { SessionBar } from '@/components/ops/session-bar';
import { Providers } from './providers';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Ringside', template: '%s · Ringside' },
  description: 'Live etcd ring overview and guided repair',
};

/** When this page was rendered, for the browser's first "updated 3 s ago" (see useNow). */
function renderTime(): number {
  return Date.now();
}

/**
 * Every page is rendered per request: the Content-Security-Policy's nonce (lib/http/edge.ts) is
 * new each time, and a page prerendered at build time would carry scripts without it.
 */
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  await connection();
  const renderedAt = renderTime();
  const h = await headers();
  const access = accessFirstPaint(ringside(), { headers: { get: (name) => h.get(name) } });
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body className="min-h-screen font-sans antialiased">
        <Providers renderedAt={renderedAt}>
        <HydrationBoundary state={access}>
        <header className="border-b border-line bg-panel">
          <div className="mx-auto flex h-12 max-w-[1600px] items-center gap-3 px-3 sm:gap-6 sm:px-5">
            <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight" aria-label="Ringside">
              <svg viewBox="0 0 32 32" className="size-6" aria-hidden>
                <circle cx="16" cy="16" r="9" fill="none" stroke="var(--accent)" strokeWidth="2.5" />
                <circle cx="16" cy="7" r="3.5" fill="var(--ok)" />
                <circle cx="23.8" cy="20.5" r="3" fill="var(--accent)" />
                <circle cx="8.2" cy="20.5" r="3" fill="var(--accent)" />
              </svg>
              {/* On a phone the mark alone: the three sections and the sign-in need the width. */}
              <span className="hidden sm:inline">Ringside</span>
            </Link>
            <nav className="flex gap-3 text-sm text-muted sm:gap-4">
              <Link href="/" className="hover:text-fg">
                Clusters
              </Link>
              <Link href="/timeline" className="hover:text-fg">
                Timeline
              </Link>
              <Link href="/notifications" className="hover:text-fg">
                Notifications
              </Link>
            </nav>
            <div className="ml-auto">
              <SessionBar />
            </div>
          </div>
        </header>
          <main className="mx-auto max-w-[1600px] px-3 py-4 sm:px-5 sm:py-5">{children}</main>
        </HydrationBoundary>
        </Providers>
      </body>
    </html>
  );
}
