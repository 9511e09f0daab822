import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ClusterView } from '@/components/ring/cluster-view';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: PageProps<'/clusters/[name]'>): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ClusterPage({ params }: PageProps<'/clusters/[name]'>) {
  const { name } = await params;
  if (!ringside().monitors.has(name)) notFound();
  return <ClusterView cluster={name} />;
}
