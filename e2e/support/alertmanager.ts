import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortBlock } from '../harness/ports';
import { stopChild } from './child';

export const ALERTMANAGER = process.env.RINGSIDE_ALERTMANAGER_BIN || '/usr/bin/prometheus-alertmanager';

/**
 * A real Alertmanager (Debian's prometheus-alertmanager 0.25) on a free loopback port, alone (no
 * gossip: --cluster.listen-address is empty), with its data in a temp dir, sending every group at
 * once and its resolves to one webhook of the test's own. Stopped by its own PID.
 */
export class AlertmanagerServer {
  private output = '';

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stdout?.on('data', (d) => (this.output += d));
    child.stderr?.on('data', (d) => (this.output += d));
  }

  static async start(webhookURL: string): Promise<AlertmanagerServer> {
    if (!existsSync(ALERTMANAGER)) throw new Error(`${ALERTMANAGER} is missing: install Debian's prometheus-alertmanager (bash scripts/ensure-etcd.sh prometheus-alertmanager)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-alertmanager-'));
    const config = path.join(dir, 'alertmanager.yml');
    writeFileSync(
      config,
      [
        'route:',
        '  receiver: test',
        "  group_by: ['alertname', 'cluster', 'member']",
        '  group_wait: 0s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: test',
        '    webhook_configs:',
        `      - url: ${JSON.stringify(webhookURL)}`,
        '        send_resolved: true',
        '',
      ].join('\n'),
    );
    const [port] = await freePortBlock(1);
    const child = spawn(
      ALERTMANAGER,
      [`--config.file=${config}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new AlertmanagerServer(`http://127.0.0.1:${port}`, child, dir);
    process.once('exit', () => child.kill('SIGKILL'));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`alertmanager exited with ${child.exitCode}:\n${server.output}`);
      }
      try {
        if ((await fetch(`${server.url}/-/ready`)).ok) return server;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.stop();
    throw new Error(`alertmanager not ready in 20 s:\n${server.output}`);
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
