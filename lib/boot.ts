import 'server-only';
import { installEdge } from './http/edge';
import { ringside } from './root';

/**
 * Server start: build Ringside (validating the configuration and starting the pollers) before
 * the first request, and put the edge in front of Next. A bad config stops the process with one
 * readable message instead of serving errors.
 */
export function boot(): void {
  const root = ringside();
  if (root.config.kind === 'error') {
    console.error(`\n${root.config.message}\n`);
    process.exit(1);
  }
  installEdge(root.edge);
  if (root.config.kind === 'none') console.log('[ringside] no configuration: set RINGSIDE_CONFIG or create ./ringside.yaml (the UI explains how)');
  else console.log(`[ringside] config ${root.config.config.source}: watching ${[...root.monitors.keys()].join(', ')}`);
}
