import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { HydrationBoundary } from '@tanstack/react-query';
import { UpgradeWizard } from '@/components/ops/upgrade-wizard';
import { upgradeFirstPaint } from '@/lib/http/first-paint';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: PageProps<'/clusters/[name]/upgrade'>): Promise<Metadata> {
  return { title: `Upgrade etcd · ${(await params).name}` };
}

export default async function UpgradePage({ params, searchParams }: PageProps<'/clusters/[name]/upgrade'>) {
  const { name } = await params;
  const { to } = await searchParams;
  const root = ringside();
  if (!root.monitors.has(name)) notFound();
  const target = typeof to === 'string' && to !== '' ? to : null;
  return (
    <HydrationBoundary state={await upgradeFirstPaint(root, name, target)}>
      <UpgradeWizard cluster={name} to={target} />
    </HydrationBoundary>
  );
}
