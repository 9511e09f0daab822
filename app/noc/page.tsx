import type { Metadata } from 'next';
import { NocScreen } from '@/components/noc/noc-screen';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'NOC' };

/** The wall screen. `?cycle=<seconds>` (5-600, default 15): how long each cluster's detail shows when all is well. */
export default async function NocPage({ searchParams }: PageProps<'/noc'>) {
  const raw = Number((await searchParams).cycle);
  const cycle = Number.isInteger(raw) && raw >= 5 && raw <= 600 ? raw : 15;
  return <NocScreen cycleSeconds={cycle} />;
}
