import 'server-only';
import os from 'node:os';
import { getAccess } from '../auth/access';
import { installEdge } from '../http/edge';
import { HostPolicy } from '../http/hosts';
import { getTimeline } from '../timeline/service';
import { getPrometheusRegistry, getRegistry } from './registry';

/**
 * Server start: validate the configuration and start the pollers before the first request. A bad
 * config stops the process with one readable message instead of serving errors.
 */
export function boot(): void {
  const { config, monitors } = getRegistry();
  if (config.kind === 'error') {
    console.error(`\n${config.message}\n`);
    process.exit(1);
  }
  const settings = config.kind === 'ok' ? config.config : undefined;
  const access = getAccess();
  installEdge({
    trusted: access.trustedProxies,
    hosts: new HostPolicy(settings?.http.allowedHosts ?? [], os.hostname()),
    proxyUserHeader: settings?.auth?.proxy?.userHeader?.toLowerCase(),
    dev: process.env.NODE_ENV !== 'production',
    ...(access.anonymousReads ? {} : { signedIn: (get: (name: string) => string | null) => access.mayRead({ headers: { get } }) }),
  });
  if (config.kind === 'none') {
    console.log('[ringside] no configuration: set RINGSIDE_CONFIG or create ./ringside.yaml (the UI explains how)');
  } else {
    console.log(`[ringside] config ${config.config.source}: watching ${[...monitors.keys()].join(', ')}`);
    // Created now so that poll durations are observed from the first poll, not the first scrape,
    // and the timeline records from the first event, not the first request.
    getPrometheusRegistry();
    getTimeline();
  }
}
