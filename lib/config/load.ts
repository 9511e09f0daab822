import 'server-only';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from './parse';
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
  return parseConfig(file, (p) => readFileSync(p));
}
