import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { yamlScalar } from '@/lib/text/yaml';
import { freePortBlock } from '../harness/ports';
import { stopChild } from './child';

export interface ClusterEntry {
  name: string;
  endpoints: string[];
  tls?: { ca: string; cert: string; key: string };
  /** Log files to follow, each with the member it belongs to. */
  logFiles?: { path: string; member: string }[];
  /** Where members' /metrics are: by member name (the harness's metrics listeners), or off. */
  metrics?: { urls?: Record<string, string>; enabled?: boolean };
  /** A member launcher (e2e/harness/launcher.ts) for the replacement wizard's Start button. */
  launcher?: string;
}

export interface ServerOptions {
  clusters?: ClusterEntry[];
  pollIntervalMs?: number;
  hashCheckIntervalMs?: number;
  requestTimeoutMs?: number;
  /** The config file's text verbatim, instead of rendering `clusters`. */
  rawConfig?: string;
  /** How the server finds its config: $RINGSIDE_CONFIG (default), ./ringside.yaml in its working directory, or none. */
  configVia?: 'env' | 'cwd' | 'none';
  /** A fixed port, e.g. to bring a server back where a page expects it. */
  port?: number;
  /** Per-rule alert overrides, e.g. { etcdMembersDown: { forMs: 3000 } }. */
  alerts?: Record<string, { forMs?: number; disabled?: boolean }>;
  /** Top-level YAML appended verbatim (auth, backups, readOnly, ops...). */
  extraYaml?: string;
  /** Where the audit log lives; keep the same one across a restart. Default: the server's temp dir. */
  dataDir?: string;
  /** Extra environment for the server, e.g. RINGSIDE_BACKUP_KEY. */
  env?: Record<string, string>;
  /** Another checkout's build to run (benchmarks compare against an older Ringside). */
  appRoot?: string;
}

const root = path.resolve(__dirname, '..', '..');

/** Renders a Ringside config file for tests. */
export function configYaml(opts: ServerOptions): string {
  if (opts.rawConfig !== undefined) return opts.rawConfig;
  const lines: string[] = [];
  if (opts.pollIntervalMs) lines.push(`pollIntervalMs: ${opts.pollIntervalMs}`);
  if (opts.hashCheckIntervalMs) lines.push(`hashCheckIntervalMs: ${opts.hashCheckIntervalMs}`);
  if (opts.requestTimeoutMs) lines.push(`requestTimeoutMs: ${opts.requestTimeoutMs}`);
  if (opts.alerts) {
    lines.push('alerts:', ...Object.entries(opts.alerts).flatMap(([rule, o]) => [`  ${rule}:`, ...Object.entries(o).map(([k, v]) => `    ${k}: ${v}`)]));
  }
  if (opts.dataDir) lines.push(`dataDir: ${opts.dataDir}`);
  if (opts.extraYaml) lines.push(opts.extraYaml.trimEnd());
  lines.push('clusters:');
  for (const c of opts.clusters ?? []) {
    lines.push(`  - name: ${c.name}`, '    endpoints:', ...c.endpoints.map((e) => `      - ${e}`));
    if (c.launcher) lines.push(`    launcher: ${c.launcher}`);
    if (c.tls) lines.push('    tls:', `      ca: ${c.tls.ca}`, `      cert: ${c.tls.cert}`, `      key: ${c.tls.key}`);
    if (c.metrics) {
      lines.push('    metrics:');
      if (c.metrics.enabled !== undefined) lines.push(`      enabled: ${c.metrics.enabled}`);
      if (c.metrics.urls) lines.push('      urls:', ...Object.entries(c.metrics.urls).map(([m, u]) => `        ${yamlScalar(m)}: ${u}`));
    }
    if (c.logFiles?.length) {
      lines.push('    logs:', '      files:', ...c.logFiles.flatMap((f) => [`        - path: ${f.path}`, `          member: ${yamlScalar(f.member)}`]));
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The built Ringside (`next start`) on a free loopback port, pointed at a config written for the
 * test. Needs `next build` to have run. Stopped by its own PID.
 */
export class RingsideServer {
  private output = '';

  private constructor(
    readonly url: string,
    readonly configFile: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stdout?.on('data', (d) => (this.output += d));
    child.stderr?.on('data', (d) => (this.output += d));
  }

  static async start(opts: ServerOptions): Promise<RingsideServer> {
    const via = opts.configVia ?? 'env';
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-server-'));
    const configFile = path.join(dir, 'ringside.yaml');
    if (via !== 'none') writeFileSync(configFile, configYaml(opts));
    const port = opts.port ?? (await freePortBlock(1))[0];
    const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...opts.env };
    delete env.RINGSIDE_CONFIG;
    if (via === 'env') env.RINGSIDE_CONFIG = configFile;
    const child = spawnNext(port, dir, env, opts.appRoot);
    const server = new RingsideServer(`http://127.0.0.1:${port}`, configFile, child, dir);
    await server.waitReady();
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  private async waitReady(timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`Ringside exited with ${this.child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/api/healthz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new Error(`Ringside did not become ready in ${timeoutMs} ms:\n${this.output}`);
  }

  async json<T = unknown>(pathname: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${pathname}`);
    return { status: res.status, body: (await res.json()) as T };
  }

  async stop(): Promise<void> {
    // A frozen process would hold SIGTERM pending forever.
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGCONT');
    await stopChild(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** SIGSTOP: the server hangs with its sockets open, so a stream goes silent instead of closing. */
  freeze(): void {
    process.kill(this.child.pid!, 'SIGSTOP');
  }

  thaw(): void {
    process.kill(this.child.pid!, 'SIGCONT');
  }

  /** kill -9: no handler runs, nothing is flushed on the way out. */
  async crash(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Runs the built server with a config (null: RINGSIDE_CONFIG names a file that does not exist) and
 * returns how it exited, for bad-config tests.
 */
export async function runUntilExit(config: string | null, timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-badcfg-'));
  const configFile = path.join(dir, 'ringside.yaml');
  if (config !== null) writeFileSync(configFile, config);
  const [port] = await freePortBlock(1);
  const child = spawnNext(port, dir, { ...process.env, RINGSIDE_CONFIG: configFile, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  rmSync(dir, { recursive: true, force: true });
  return { code, output };
}

/** `next start` of this repo's build, run from `cwd` (where ./ringside.yaml is looked for). */
function spawnNext(port: number, cwd: string, env: NodeJS.ProcessEnv, appRoot = root): ChildProcess {
  const child = spawn(path.join(appRoot, 'node_modules', '.bin', 'next'), ['start', appRoot, '-H', '127.0.0.1', '-p', String(port)], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  return child;
}

const children = new Set<ChildProcess>();
function track(child: ChildProcess) {
  children.add(child);
  child.once('exit', () => children.delete(child));
}
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
