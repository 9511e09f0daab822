import { handle } from '@/lib/http/respond';
import { getPrometheusRegistry } from '@/lib/monitor/registry';

/** Ringside's own metrics in the Prometheus text format, for an existing Prometheus to scrape. */
export function GET() {
  return handle(async () => {
    const registry = getPrometheusRegistry();
    return new Response(await registry.metrics(), { headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' } });
  });
}

export const dynamic = 'force-dynamic';
