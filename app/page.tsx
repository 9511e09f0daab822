import { ClusterList } from '@/components/clusters/cluster-list';
import { SetupGuide } from '@/components/clusters/setup-guide';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';

export default function OverviewPage() {
  const { config } = ringside();
  if (config.kind !== 'ok') return <SetupGuide error={config.kind === 'error' ? config.message : undefined} />;
  return (
    <div className="space-y-4">
      <div className="flex items-baseline justify-between">
        <h1 className="text-2xl font-semibold tracking-tight">Clusters</h1>
        <span className="font-mono text-xs text-muted">config: {config.config.source}</span>
      </div>
      <ClusterList />
    </div>
  );
}
