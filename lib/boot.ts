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
  // The charts and alerts from before a restart are back before the first request is served.
  await root.ready;
  if (root.config.kind === 'none') console.log('[ringside] no configuration: set RINGSIDE_CONFIG or create ./ringside.yaml (the UI explains how)');
  else if (root.config.kind === 'ok') console.log(`[ringside] config ${root.config.config.source}: watching ${[...root.monitors.keys()].join(', ')}${root.store?.kind === 'postgres' ? ` (store: PostgreSQL, replica ${root.store.replica})` : ''}`);
}

function fatal(message: string): never {
  console.error(`\n${message}\n`);
  process.exit(1);
}

/**
 * Next's server already listens for SIGTERM and SIGINT (it closes the HTTP server and exits at
 * once). Ringside goes first: its handlers are taken over and called once `root.stop()` is done,
 * so locks, the lease, the history and delivery state are saved before Next exits.
 */
function onSignals(root: Ringside): void {
  let stopping: Promise<void> | null = null;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const next = process.listeners(signal);
    process.removeAllListeners(signal);
    process.on(signal, () => {
      stopping ??= (async () => {
        console.log(`[ringside] ${signal}: stopping`);
        // Bounded: a store that hangs must not keep a pod in Terminating until it is killed.
        const timer = setTimeout(() => process.exit(1), 10_000);
        timer.unref();
        await root.stop().catch((e: Error) => console.error('[ringside] stopping failed:', e.message));
      })();
      void stopping.then(() => {
        if (next.length === 0) process.exit(0);
        for (const fn of next) (fn as (s: NodeJS.Signals) => void)(signal);
      });
    });
  }
}
