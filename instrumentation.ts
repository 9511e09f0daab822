/**
 * Runs once when the server process starts (not at build). Validates the configuration and starts
 * the pollers before the first request, and stops the server on a bad config with one readable
 * message rather than serving errors.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getRegistry } = await import('./lib/monitor/registry');
  const { config, monitors } = getRegistry();
  if (config.kind === 'error') {
    console.error(`\n${config.message}\n`);
    process.exit(1);
  }
  if (config.kind === 'none') {
    console.log('[ringside] no configuration: set RINGSIDE_CONFIG or create ./ringside.yaml (the UI explains how)');
  } else {
    console.log(`[ringside] config ${config.config.source}: watching ${[...monitors.keys()].join(', ')}`);
  }
}
