import { HydrationBoundary } from '@tanstack/react-query';
import { ClusterList } from '@/components/clusters/cluster-list';
import { ServerPaths } from '@/components/clusters/server-paths';
import { SetupGuide } from '@/components/clusters/setup-guide';
import { fleetFirstPaint } from '@/lib/http/first-paint';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';

export default function OverviewPage() {
  const root = ringside();
  const { config } = root;
  if (config.kind !== 'ok') return <SetupGuide error={config.kind === 'error' ? config.message : undefined} />;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h1 className="text-2xl font-semibold tracking-tight">Clusters</h1>
        <ServerPaths />
      </div>
      <HydrationBoundary state={fleetFirstPaint(root)}>
        <ClusterList />
      </HydrationBoundary>
    </div>
  );
}
