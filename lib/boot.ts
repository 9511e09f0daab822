import 'server-only';
import { installEdge } from './http/edge';
import { installRingside, readConfigState, type Ringside } from './root';
import { openStore } from './store/open';

/**
 * Server start: open the store (PostgreSQL is connected and migrated first), build Ringside
 * (validating the configuration and starting the pollers) before the first request, and put the
 * edge in front of Next. A bad config or an unusable database stops the process with one
 * readable message instead of serving errors. SIGTERM and SIGINT stop Ringside cleanly: locks and
 * the lease released, the history and delivery state saved, then exit.
 */
export async function boot(): Promise<void> {
  const config = readConfigState();
  if (config.kind === 'error') fatal(config.message);
  let root: Ringside;
  try {
    const store = config.kind === 'ok' ? await openStore(config.config) : undefined;
    root = installRingside(config, store);
  } catch (e) {
    fatal(`Ringside config ${config.kind === 'ok' ? config.config.source : ''}: ${(e as Error).message}`);
  }
  installEdge(root.edge);
  onSignals(root);
  if (root.config.kind === 'none') console.log('[ringside] no configuration: set RINGSIDE_CONFIG or create ./ringside.yaml (the UI explains how)');
  else if (root.config.kind === 'ok') console.log(`[ringside] config ${root.config.config.source}: watching ${[...root.monitors.keys()].join(', ')}${root.store?.kind === 'postgres' ? ` (store: PostgreSQL, replica ${root.store.replica})` : ''}`);
}

function fatal(message: string): never {
  console.error(`\n${message}\n`);
  process.exit(1);
}

function onSignals(root: Ringside): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`[ringside] ${signal}: stopping`);
    // Bounded: a store that hangs must not keep a pod in Terminating until it is killed.
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    root
      .stop()
      .catch((e: Error) => console.error('[ringside] stopping failed:', e.message))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
