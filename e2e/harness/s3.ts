// S3Server: an S3-protocol server for tests, the demo and benchmarks: s3rver (npm, a
// devDependency) in a child process on 127.0.0.1, on a port probed free below the ephemeral
// range, with its buckets made at start and its data in a temporary directory. No AWS account
// exists on these machines; s3rver speaks enough of S3 (multipart uploads included) to stand in.
//
// A child process, not in-process, so a test measuring its own memory measures Ringside's
// upload only. Stopped by its own PID (SIGTERM, then SIGKILL), and SIGKILLed when the test
// process exits, so a crashed run leaves no server behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePortBlock, releasePorts } from './ports';

const BIN = path.resolve(__dirname, '../../node_modules/s3rver/bin/s3rver.js');
const READY_MS = 15_000;
const STOP_MS = 5_000;
const START_ATTEMPTS = 3;

/** s3rver's built-in key pair. Tests hand it to the AWS SDK through the environment, as production does. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

const live = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) if (c.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
}

export class S3Server {
  private constructor(
    readonly endpoint: string,
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly port: number,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts s3rver with `buckets` created; resolves once it answers HTTP. */
  static async start(opts: { buckets: string[] }): Promise<S3Server> {
    hookExit();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-s3-'));
    for (let attempt = 1; ; attempt++) {
      const [port] = await freePortBlock(1);
      const args = [BIN, '--directory', dir, '--address', '127.0.0.1', '--port', String(port), '--silent', '--no-vhost-buckets', ...opts.buckets.flatMap((b) => ['--configure-bucket', b])];
      let stderr = '';
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      live.add(child);
      child.once('exit', () => live.delete(child));
      const server = new S3Server(`http://127.0.0.1:${port}`, dir, child, port);
      if (await server.waitReady()) return server;
      await server.stopChild();
      releasePorts([port]);
      if (!/EADDRINUSE/.test(stderr) || attempt >= START_ATTEMPTS) {
        await rm(dir, { recursive: true, force: true });
        throw new Error(`s3rver did not start on 127.0.0.1:${port}: ${stderr.trim() || 'no output'}`);
      }
    }
  }

  /** Stops the server by its PID and removes its data. */
  async stop(): Promise<void> {
    await this.stopChild();
    releasePorts([this.port]);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async stopChild(): Promise<void> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    process.kill(c.pid!, 'SIGTERM');
    const timer = setTimeout(() => {
      if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGKILL');
    }, STOP_MS);
    await gone;
    clearTimeout(timer);
  }

  private async waitReady(): Promise<boolean> {
    const deadline = Date.now() + READY_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return false;
      if (await answers(this.endpoint)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }
}

/** Any HTTP answer at all (s3rver answers an unsigned GET / with 403). */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
