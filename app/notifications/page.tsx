import type { Metadata } from 'next';
import { HydrationBoundary } from '@tanstack/react-query';
import { NotificationsView } from '@/components/notify/notifications-view';
import { notificationsFirstPaint } from '@/lib/http/first-paint';
import { ringside } from '@/lib/root';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Notifications' };

export default async function NotificationsPage() {
  return (
    <HydrationBoundary state={await notificationsFirstPaint(ringside())}>
      <NotificationsView />
    </HydrationBoundary>
  );
}
