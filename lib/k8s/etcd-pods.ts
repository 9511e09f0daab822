import 'server-only';
import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { RingsideError } from '../errors';
import { apiServer, kubeGet, messageOf, networkError, readBody, statusError } from './kube-http';
import { LineSplitter, parseLogLine, ResumeFilter } from './log-lines';
import { asPodList, toEtcdPod } from './pods';
import type { EtcdPod, PodLogLine } from './types';

export type { EtcdPod, PodLogLine } from './types';
export { mapPodToMember, type MemberRef } from './map-member';
export { corruptCheckFlags, type CorruptCheckFlags } from './flags';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

// ---------------------------------------------------------------- kubeconfig

/**
 * Credentials for the Kubernetes API, in kubectl's order: the kubeconfig file given, else the
 * pod's service account when running in a cluster (KUBERNETES_SERVICE_HOST), else $KUBECONFIG or
 * ~/.kube/config. A `context` names a kubeconfig context, so it skips the in-cluster step (a
 * service account has none). Throws a RingsideError (INVALID) that says what is wrong and where.
 */
export function loadKubeConfig(opts: { kubeconfig?: string; context?: string }): KubeConfig {
  const kc = new KubeConfig();
  let source: string;
  if (opts.kubeconfig) {
    source = opts.kubeconfig;
    loadFile(kc, opts.kubeconfig);
  } else if (process.env.KUBERNETES_SERVICE_HOST && !opts.context) {
    source = 'in-cluster service account';
    loadInCluster(kc);
  } else {
    source = loadDefault(kc);
  }
  if (opts.context) selectContext(kc, opts.context, source);
  checkCurrent(kc, source);
  return kc;
}

function loadFile(kc: KubeConfig, file: string): void {
  readable(file, 'kubeconfig');
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new RingsideError('INVALID', `kubeconfig ${file} is not a valid kubeconfig: ${messageOf(e)}`, 'kubeconfig');
  }
}

function loadInCluster(kc: KubeConfig): void {
  if (!process.env.KUBERNETES_SERVICE_PORT) {
    throw new RingsideError('INVALID', 'KUBERNETES_SERVICE_HOST is set but KUBERNETES_SERVICE_PORT is not: cannot find the API server', 'kubeconfig');
  }
  try {
    accessSync(SERVICE_ACCOUNT_TOKEN, constants.R_OK);
  } catch {
    throw new RingsideError(
      'INVALID',
      `running in a cluster but the service account token ${SERVICE_ACCOUNT_TOKEN} is not readable (automountServiceAccountToken: false?); set logs.kubernetes.kubeconfig instead`,
      'kubeconfig',
    );
  }
  kc.loadFromCluster();
}

/** $KUBECONFIG (a path list, merged as kubectl does) or ~/.kube/config; never client-node's silent localhost:8080 fallback. */
function loadDefault(kc: KubeConfig): string {
  const env = process.env.KUBECONFIG;
  if (env) {
    const files = env.split(path.delimiter).filter(Boolean);
    for (const f of files) readable(f, 'kubeconfig', '$KUBECONFIG names ');
    try {
      kc.loadFromDefault();
    } catch (e) {
      throw new RingsideError('INVALID', `$KUBECONFIG (${env}) is not a valid kubeconfig: ${messageOf(e)}`, 'kubeconfig');
    }
    return `$KUBECONFIG (${env})`;
  }
  const home = path.join(os.homedir(), '.kube', 'config');
  try {
    accessSync(home, constants.R_OK);
  } catch {
    throw new RingsideError(
      'INVALID',
      `no Kubernetes credentials: set logs.kubernetes.kubeconfig, or $KUBECONFIG, or create ${home}, or run Ringside in a pod with a service account`,
      'kubeconfig',
    );
  }
  loadFile(kc, home);
  return home;
}

function selectContext(kc: KubeConfig, context: string, source: string): void {
  const names = kc.getContexts().map((c) => c.name);
  if (!names.includes(context)) {
    throw new RingsideError('INVALID', `kubeconfig ${source} has no context "${context}" (it has: ${names.join(', ') || 'none'})`, 'context');
  }
  kc.setCurrentContext(context);
}

/** Fails now, with the file named, on what client-node would only trip over at the first request. */
function checkCurrent(kc: KubeConfig, source: string): void {
  const current = kc.getCurrentContext();
  if (!current || !kc.getContextObject(current)) {
    throw new RingsideError('INVALID', `kubeconfig ${source} has no current-context; name one with logs.kubernetes.context`, 'context');
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new RingsideError('INVALID', `kubeconfig ${source}: context "${current}" names a cluster that is not defined`, 'kubeconfig');
  if (!/^https?:\/\/[^/]/.test(cluster.server ?? '')) {
    throw new RingsideError('INVALID', `kubeconfig ${source}: cluster "${cluster.name}" has no valid server URL (got "${cluster.server ?? ''}")`, 'kubeconfig');
  }
  const user = kc.getCurrentUser();
  if (!user) throw new RingsideError('INVALID', `kubeconfig ${source}: context "${current}" names a user that is not defined`, 'kubeconfig');
  if (cluster.caFile) readable(cluster.caFile, 'kubeconfig', `cluster "${cluster.name}" certificate-authority: `);
  if (user.certFile) readable(user.certFile, 'kubeconfig', `user "${user.name}" client-certificate: `);
  if (user.keyFile) readable(user.keyFile, 'kubeconfig', `user "${user.name}" client-key: `);
}

function readable(file: string, field: string, what = 'kubeconfig '): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RingsideError('INVALID', `${what}${file} cannot be read (${code === 'ENOENT' ? 'no such file' : code ?? messageOf(e)})`, field);
  }
}

// ---------------------------------------------------------------- pods

export interface EtcdPodsOptions {
  /** Default kube-system, where kubeadm runs etcd as static pods. */
  namespace?: string;
  /** Default component=etcd, kubeadm's label. */
  labelSelector?: string;
  /** Bound on one list call and on opening a log stream. Default 10 s. */
  requestTimeoutMs?: number;
}

export interface FollowOptions {
  /** Default: the pod's only container; kubeadm's etcd pod has one, named "etcd". */
  container?: string;
  /** Start with only the last N lines instead of the whole log. Later reconnects resume instead. */
  tailLines?: number;
  /** Connection trouble, secret-free and human-readable. The follower keeps retrying regardless. */
  onError?: (message: string) => void;
}

export interface LogFollow {
  /** Stops following for good (idempotent). */
  close(): void;
}

/** The etcd pods of one cluster, and their logs, through the Kubernetes API. */
export class EtcdPods {
  readonly namespace: string;
  readonly labelSelector: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly kc: KubeConfig,
    opts: EtcdPodsOptions = {},
  ) {
    this.namespace = opts.namespace ?? 'kube-system';
    this.labelSelector = opts.labelSelector ?? 'component=etcd';
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  /** `kubectl get pods -n <namespace> -l <labelSelector>`, sorted by name. Rejects with a RingsideError. */
  async list(): Promise<EtcdPod[]> {
    const doing = `listing pods in namespace ${this.namespace} with labels ${this.labelSelector}`;
    const server = apiServer(this.kc);
    const query = new URLSearchParams({ labelSelector: this.labelSelector });
    const signal = AbortSignal.timeout(this.timeoutMs);
    let text: string;
    try {
      const { res } = await kubeGet(this.kc, `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods?${query}`, {
        timeoutMs: this.timeoutMs,
        signal,
      });
      if (res.statusCode !== 200) throw await statusError(res, doing, server);
      text = await readBody(res);
    } catch (e) {
      if (signal.aborted) throw new RingsideError('TIMEOUT', `${doing}: Kubernetes API ${server} did not answer within ${this.timeoutMs} ms`);
      throw networkError(e, server);
    }
    const list = asPodList(safeJson(text));
    if (!list) throw new RingsideError('INTERNAL', `${doing}: Kubernetes API ${server} did not answer with a PodList`);
    return (list.items ?? []).map(toEtcdPod).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * `kubectl logs -f --timestamps` that survives disconnects: reconnects with backoff (0.5 s
   * doubling to 10 s) and resumes from the last line delivered, neither losing nor repeating lines
   * (see ResumeFilter). `onLines` gets each chunk's complete lines in order. Never throws.
   */
  follow(pod: string, onLines: (lines: PodLogLine[]) => void, opts: FollowOptions = {}): LogFollow {
    const follower = new PodLogFollower(this.kc, this.namespace, pod, onLines, opts, this.timeoutMs);
    follower.start();
    return { close: () => follower.close() };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- log follower

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
/** A connection that lived this long was healthy: the next reconnect starts from the first backoff again. */
const HEALTHY_AFTER_MS = 5_000;

class PodLogFollower {
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
