import type { Metadata } from 'next';
import { HydrationBoundary } from '@tanstack/react-query';
import { NocScreen } from '@/components/noc/noc-screen';
import { fleetFirstPaint } from '@/lib/http/first-paint';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'NOC' };

/** The wall screen. `?cycle=<seconds>` (5-600, default 15): how long each cluster's detail shows when all is well. */
export default async function NocPage({ searchParams }: PageProps<'/noc'>) {
  const raw = Number((await searchParams).cycle);
  const cycle = Number.isInteger(raw) && raw >= 5 && raw <= 600 ? raw : 15;
  return (
    <HydrationBoundary state={fleetFirstPaint(ringside())}>
      <NocScreen cycleSeconds={cycle} />
    </HydrationBoundary>
  );
}
