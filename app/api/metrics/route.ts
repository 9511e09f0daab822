import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';

/** Ringside's own metrics in the Prometheus text format, for an existing Prometheus to scrape. */
export const GET = route(
  api.metrics,
  async ({ root }) => new Response(await root.prometheus.metrics(), { headers: { 'Content-Type': root.prometheus.contentType, 'Cache-Control': 'no-store' } }),
);
