import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortBlock } from '../harness/ports';
import { stopChild } from './child';

export const PROMETHEUS = process.env.RINGSIDE_PROMETHEUS_BIN || '/usr/bin/prometheus';
export const PROMTOOL = process.env.RINGSIDE_PROMTOOL_BIN || '/usr/bin/promtool';

/** Debian's `prometheus` package, which brings promtool too; scripts/ensure-etcd.sh installs it. */
export function requirePrometheus(): void {
  for (const bin of [PROMETHEUS, PROMTOOL]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: install Debian's prometheus package (bash scripts/ensure-etcd.sh prometheus)`);
  }
}

/**
 * A real Prometheus server on a free loopback port, scraping `targets` (host:port) at `metricsPath`
 * every second, with its data in a temp dir. Stopped by its own PID.
 */
export class PrometheusServer {
  private output = '';

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stdout?.on('data', (d) => (this.output += d));
    child.stderr?.on('data', (d) => (this.output += d));
  }

  static async start(job: string, targets: string[], metricsPath: string): Promise<PrometheusServer> {
    requirePrometheus();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-prometheus-'));
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        `  - job_name: ${job}`,
        `    metrics_path: ${metricsPath}`,
        '    static_configs:',
        `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
        '',
      ].join('\n'),
    );
    const [port] = await freePortBlock(1);
    const child = spawn(
      PROMETHEUS,
      [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir);
    process.once('exit', () => child.kill('SIGKILL'));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${server.output}`);
      try {
        if ((await fetch(`${server.url}/-/ready`)).ok) return server;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await server.stop();
    throw new Error(`prometheus not ready in 20 s:\n${server.output}`);
  }

  /** An instant PromQL query; the result vector. */
  async query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
    return body.data!.result;
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
