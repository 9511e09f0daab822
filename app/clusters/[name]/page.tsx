import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ClusterView } from '@/components/ring/cluster-view';
import { getRegistry } from '@/lib/monitor/registry';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: PageProps<'/clusters/[name]'>): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ClusterPage({ params }: PageProps<'/clusters/[name]'>) {
  const { name } = await params;
  if (!getRegistry().monitors.has(name)) notFound();
  return <ClusterView cluster={name} />;
}
