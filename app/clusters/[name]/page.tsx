import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { HydrationBoundary } from '@tanstack/react-query';
import { headers } from 'next/headers';
import { ClusterView } from '@/components/ring/cluster-view';
import { clusterFirstPaint } from '@/lib/http/first-paint';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: PageProps<'/clusters/[name]'>): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ClusterPage({ params }: PageProps<'/clusters/[name]'>) {
  const { name } = await params;
  const root = ringside();
  if (!root.monitors.has(name)) notFound();
  const h = await headers();
  return (
    <HydrationBoundary state={clusterFirstPaint(root, name, { headers: { get: (n) => h.get(n) } })}>
      <ClusterView cluster={name} />
    </HydrationBoundary>
  );
}
