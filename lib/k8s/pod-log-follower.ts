import 'server-only';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiServer, kubeGet, messageOf, networkError, statusError } from './kube-http';
import { LineSplitter, parseLogLine, ResumeFilter } from './log-lines';
import type { FollowOptions, PodLogLine } from './types';

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
/** A connection that lived this long was healthy: the next reconnect starts from the first backoff again. */
const HEALTHY_AFTER_MS = 5_000;

export class PodLogFollower {
  private readonly filter = new ResumeFilter();
  private readonly splitter = new LineSplitter();
  private readonly server: string;
  private abort: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private backoffMs = BACKOFF_FIRST_MS;
  private closed = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly onLines: (lines: PodLogLine[]) => void,
    private readonly opts: FollowOptions,
    private readonly timeoutMs: number,
  ) {
    this.server = apiServer(kc);
  }

  start(): void {
    void this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    this.abort = null;
  }

  private logPath(): string {
    const q = new URLSearchParams({ follow: 'true', timestamps: 'true' });
    if (this.opts.container) q.set('container', this.opts.container);
    const since = this.filter.sinceTime;
    if (since) q.set('sinceTime', since);
    else if (this.opts.tailLines !== undefined) q.set('tailLines', String(this.opts.tailLines));
    return `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(this.pod)}/log?${q}`;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const abort = new AbortController();
    this.abort = abort;
    const openedAt = Date.now();
    let delivered = false;
    try {
      const { res } = await kubeGet(this.kc, this.logPath(), { timeoutMs: this.timeoutMs, signal: abort.signal });
      if (res.statusCode !== 200) throw await statusError(res, `following the log of pod ${this.namespace}/${this.pod}`, this.server);
      this.filter.startConnection();
      this.splitter.reset();
      res.setEncoding('utf8');
      const why = await new Promise<string | null>((resolve) => {
        res.on('data', (chunk: string) => (delivered = this.deliver(chunk) || delivered));
        res.once('end', () => resolve(null)); // the container stopped, or the server ended the stream
        res.once('aborted', () => resolve('connection dropped'));
        res.once('error', (e) => resolve(messageOf(e)));
        res.once('close', () => resolve(res.complete ? null : 'connection dropped'));
      });
      if (why && !this.closed) this.report(`log stream of pod ${this.namespace}/${this.pod} broke: ${why}; resuming`);
    } catch (e) {
      if (!this.closed) this.report(messageOf(networkError(e, this.server)));
    } finally {
      if (this.abort === abort) this.abort = null;
    }
    this.splitter.reset(); // a line cut off mid-way comes again whole on the next connection
    if (delivered || Date.now() - openedAt >= HEALTHY_AFTER_MS) this.backoffMs = BACKOFF_FIRST_MS;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  /** Hands the chunk's new complete lines to the caller; true when there were any. */
  private deliver(chunk: string): boolean {
    if (this.closed) return false;
    const fresh = this.filter.admit(this.splitter.push(chunk).filter((l) => l !== '').map(parseLogLine));
    if (fresh.length === 0) return false;
    try {
      this.onLines(fresh.map((l) => ({ pod: this.pod, at: l.at, text: l.text })));
    } catch (e) {
      this.report(`onLines threw: ${messageOf(e)}`);
    }
    return true;
  }

  private report(message: string): void {
    try {
      this.opts.onError?.(message);
    } catch {
      // a failing error handler must not stop the follower
    }
  }
}
