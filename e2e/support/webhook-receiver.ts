import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePortBlock } from '../harness/ports';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw bytes, as signed. */
  body: Buffer;
  /** The status this receiver answered. */
  status: number;
}

/**
 * A webhook receiver of the test's own on 127.0.0.1: records every request with its raw body,
 * answers what `answer` says (default 200), and can stop listening (connection refused) and come
 * back on the same port.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answer: (path: string) => number = () => 200;
  private server: http.Server;

  private constructor(readonly port: number) {
    this.server = this.make();
  }

  static async start(): Promise<WebhookReceiver> {
    const [port] = await freePortBlock(1);
    const r = new WebhookReceiver(port);
    await r.listen();
    return r;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests to `path` this receiver accepted (2xx). */
  accepted(path: string): Received[] {
    return this.received.filter((r) => r.path === path && r.status < 300);
  }

  /** Stops listening: new connections are refused. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Listens again on the same port. */
  async resume(): Promise<void> {
    this.server = this.make();
    await this.listen();
  }

  async stop(): Promise<void> {
    if (this.server.listening) await this.pause();
  }

  private make(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.answer(req.url ?? '/');
        this.received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks), status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver says no');
      });
    });
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: '127.0.0.1', port: this.port }, () => {
        this.server.off('error', reject);
        if ((this.server.address() as AddressInfo).port !== this.port) reject(new Error('listened on the wrong port'));
        else resolve();
      });
    });
  }
}

/**
 * What a receiver of Ringside's signed webhooks does (lib/notify/signature.ts): the HMAC over the
 * raw bytes, compared in constant time; the timestamp header equal to the signed `sentAt`; `sentAt`
 * within the tolerance of the receiver's clock.
 */
export function verifyRingsideSignature(secret: Buffer, r: Received, now: number, toleranceMs = 5 * 60_000): string | null {
  const given = Buffer.from(String(r.headers['x-ringside-signature'] ?? ''));
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad signature';
  const sentAt = Date.parse((JSON.parse(r.body.toString('utf8')) as { sentAt: string }).sentAt);
  if (String(Math.floor(sentAt / 1000)) !== r.headers['x-ringside-timestamp']) return 'timestamp header does not match the signed sentAt';
  if (Math.abs(now - sentAt) > toleranceMs) return 'sentAt outside the tolerance (a replay?)';
  return null;
}
