import 'server-only';
import type { StoreSettings } from './config';
import { LocalStore } from './local-store';
import { S3Store } from './s3-store';
import type { BackupStore } from './store';

/**
 * Opens stores from settings (config.ts), one per distinct setting: clusters that share a bucket
 * or a directory share one store (an S3Store holds the SDK client and its connections). Make one
 * opener per process, in the composition root:
 *
 *   const open = storeOpener();
 *   const stores = open(settings.clusters[name].stores);
 */
export function storeOpener(): (settings: StoreSettings[]) => BackupStore[] {
  const opened = new Map<string, BackupStore>();
  return (settings) =>
    settings.map((s) => {
      const key = JSON.stringify(s);
      let store = opened.get(key);
      if (!store) {
        store = s.kind === 'local' ? new LocalStore(s.dir) : new S3Store(s);
        opened.set(key, store);
      }
      return store;
    });
}
