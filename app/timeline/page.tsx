import type { Metadata } from 'next';
import { TimelineView } from '@/components/timeline/timeline-view';
import { getRegistry } from '@/lib/monitor/registry';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Timeline' };

export default function TimelinePage() {
  const clusters = [...getRegistry().monitors.keys()];
  return <TimelineView clusters={clusters} />;
}
