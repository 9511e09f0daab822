import type { Metadata } from 'next';
import { TimelineView } from '@/components/timeline/timeline-view';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Timeline' };

export default function TimelinePage() {
  const clusters = [...ringside().monitors.keys()];
  return <TimelineView clusters={clusters} />;
}
