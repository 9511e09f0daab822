import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { RestoreWizard } from '@/components/ops/restore-wizard';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: PageProps<'/clusters/[name]/restore'>): Promise<Metadata> {
  return { title: `Disaster restore · ${(await params).name}` };
}

const one = (v: string | string[] | undefined) => (typeof v === 'string' && v ? v : null);

export default async function RestorePage({ params, searchParams }: PageProps<'/clusters/[name]/restore'>) {
  const { name } = await params;
  const q = await searchParams;
  if (!ringside().monitors.has(name)) notFound();
  const k = one(q.kubernetes);
  return <RestoreWizard cluster={name} backup={one(q.backup)} store={one(q.store)} kubernetes={k === 'true' ? true : k === 'false' ? false : null} />;
}
