import 'server-only';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig } from './parse';
import type { RingsideConfig } from './types';

export { ConfigError } from './parse';

/**
 * Where the settings live: $RINGSIDE_CONFIG, else ./ringside.yaml when present, else none
 * (the UI then explains how to configure Ringside or start the demo).
 */
export function resolveConfigPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  if (env.RINGSIDE_CONFIG) return path.resolve(cwd, env.RINGSIDE_CONFIG);
  const local = path.join(cwd, 'ringside.yaml');
  return existsSync(local) ? local : null;
}

/** Reads, validates and loads TLS files. Throws ConfigError with one readable message. */
export function loadConfig(file: string): RingsideConfig {
  const config = parseConfig(file, (p) => readFileSync(p));
  checkDataDir(config.dataDir);
  return config;
}

/**
 * `dataDir` is the one place Ringside writes (the audit log, the timeline, alert delivery's
 * state): refused at start when it cannot be created or written, rather than each of them failing
 * on its own later. The usual cause is a dataDir left relative to a config file on a read-only
 * mount (a Kubernetes ConfigMap).
 */
export function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError(`dataDir: ${dir} cannot be written (${code}): Ringside keeps its audit log, timeline and alert state there; point dataDir at a writable directory (in Kubernetes, a volume, not the ConfigMap's folder)`);
  }
}
