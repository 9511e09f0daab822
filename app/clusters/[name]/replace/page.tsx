import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ReplaceWizard } from '@/components/ops/replace-wizard';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: PageProps<'/clusters/[name]/replace'>): Promise<Metadata> {
  return { title: `Replace a member · ${(await params).name}` };
}

export default async function ReplacePage({ params, searchParams }: PageProps<'/clusters/[name]/replace'>) {
  const { name } = await params;
  const { member } = await searchParams;
  if (!ringside().monitors.has(name)) notFound();
  return <ReplaceWizard cluster={name} member={typeof member === 'string' ? member : null} />;
}
