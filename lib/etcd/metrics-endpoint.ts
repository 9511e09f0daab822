import 'server-only';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { TlsMaterial } from '../config/types';

/** A member's /metrics is ~150 kB on 3.4; `--metrics extensive` adds more. Anything far larger is not etcd. */
const MAX_BYTES = 16 * 1024 * 1024;

/**
 * One member's /metrics over a keep-alive connection (a TLS handshake every second would cost
 * more than the scrape). Every request has a deadline. Errors are short and secret-free.
 */
export class MetricsEndpoint {
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(
    readonly url: string,
    tls: TlsMaterial | undefined,
    private readonly timeoutMs: number,
  ) {
    this.secure = url.startsWith('https:');
    this.agent = this.secure
      ? new https.Agent({
          keepAlive: true,
          maxSockets: 1,
          ca: tls?.ca ?? rootCertificates.join('\n'),
          cert: tls?.cert,
          key: tls?.key,
        })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** The exposition text. Rejects with an Error whose message says what went wrong. */
  fetch(): Promise<string> {
    const get = this.secure ? https.get : http.get;
    return new Promise((resolve, reject) => {
      const req = get(this.url, { agent: this.agent, headers: { Accept: 'text/plain' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`answered HTTP ${res.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BYTES) {
            req.destroy(new Error(`answered more than ${MAX_BYTES / 1024 / 1024} MB: not an etcd /metrics`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => reject(e));
      });
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (e) => reject(new Error(describe(e))));
      req.on('close', () => clearTimeout(timer));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function describe(e: Error & { code?: string }): string {
  if (e.code === 'ECONNREFUSED') return 'connection refused';
  if (e.code === 'ECONNRESET') return 'connection reset';
  if (e.code === 'ENOTFOUND') return 'host not found';
  if (/certificate|SSL|TLS|handshake/i.test(e.message)) return `TLS failure: ${e.message.split('\n')[0]}`;
  return e.message.split('\n')[0].slice(0, 200);
}
