// FakeKube: a stand-in Kubernetes API server for tests, over the members of a real EtcdRing.
//
// It speaks the real protocol for the two calls Ringside makes, over HTTPS (a cert made with
// openssl) with bearer-token auth (401 Status otherwise), and presents each member as kubeadm's
// static pod `etcd-<member>` in kube-system (label component=etcd, hostNetwork, pod IP 127.0.0.1):
//
//   GET /api/v1/namespaces/{ns}/pods?labelSelector=...          a v1 PodList
//   GET /api/v1/namespaces/{ns}/pods/{pod}/log?follow&timestamps&sinceTime&sinceSeconds&tailLines&container
//
// Pods: the container command is the member process's real argv (/proc/<pid>/cmdline), so the
// corruption-check flags the harness passed are there; restartCount counts PID changes seen;
// startedAt is the process start time; a stopped member shows as CrashLoopBackOff, not ready.
//
// Logs: the member's real zap log file, followed as it grows (polled every 100 ms). As the
// kubelet does, every line gets an RFC3339Nano timestamp and a space in front. The time is the
// zap line's own `ts` (now, for a line without one), assigned once per line and never going
// backwards (a container runtime stamps lines in arrival order). sinceTime follows the real
// path: the API server forwards it to the kubelet truncated to whole seconds (RFC3339), and the
// kubelet sends lines AT OR AFTER it; so a resume repeats the start of that second and clients
// must drop what they already have. A follow stream ends when the member's process exits, as
// the kubelet's does when the container stops. Deviation: the whole file is served (the kubelet
// serves only the current container's run).
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { MemberHandle } from '../harness/ring';
import { generateTls } from '../harness/tls';

const POLL_MS = 100;
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

export interface FakeKubeOptions {
  /** The ring's live member records (EtcdRing.members), read at every request so restarts show. */
  members: () => MemberHandle[];
  /** Where the pods live. Default kube-system. */
  namespace?: string;
}

/** One log request as the stand-in saw it, for assertions about reconnects. */
export interface LogRequest {
  pod: string;
  sinceTime: string | null;
  tailLines: string | null;
  status: number;
}

interface IndexedLine {
  ns: bigint;
  stamp: string;
  text: string;
}

/** Every complete line of one member's log file so far, stamped once. */
interface LogIndex {
  file: string;
  offset: number;
  partial: Buffer;
  lines: IndexedLine[];
  lastNs: bigint;
}

interface LogStream {
  res: ServerResponse;
  member: string;
  pid: number | null;
  next: number; // index of the next line to send
}

interface ProcessInfo {
  pid: number | null;
  /** The member has had a process before: its next PID is a restart. */
  ran: boolean;
  restarts: number;
  command: string[];
  startedAt: string | null;
}

export class FakeKube {
  /** Log requests in arrival order. */
  readonly logRequests: LogRequest[] = [];
  private readonly streams = new Set<LogStream>();
  private readonly indexes = new Map<string, LogIndex>();
  private readonly procs = new Map<string, ProcessInfo>();
  private readonly uids = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private refuseUntil = 0;
  private readonly createdAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  private constructor(
    private readonly server: https.Server,
    readonly url: string,
    /** A kubeconfig for this server: context "fake" (the right token, current) and "wrong-token". */
    readonly kubeconfig: string,
    readonly token: string,
    readonly namespace: string,
    /** The CA that signed this server's certificate (PEM file). */
    readonly caFile: string,
    private readonly dir: string,
    private readonly members: () => MemberHandle[],
  ) {
    this.observeProcesses();
    this.timer = setInterval(() => this.tick(), POLL_MS);
    this.timer.unref();
  }

  static async start(opts: FakeKubeOptions): Promise<FakeKube> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-fake-kube-'));
    try {
      const tls = await generateTls(dir);
      const token = randomBytes(24).toString('hex');
      let fake: FakeKube | null = null;
      const server = https.createServer({ cert: readFileSync(tls.serverCert), key: readFileSync(tls.serverKey) }, (req, res) => {
        if (fake) fake.handle(req, res);
        else res.destroy();
      });
      // Port 0: the kernel picks a free port, so no probed port can be taken from under us.
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const kubeconfig = path.join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, kubeconfigYaml(url, readFileSync(tls.ca).toString('base64'), token));
      fake = new FakeKube(server, url, kubeconfig, token, opts.namespace ?? 'kube-system', tls.ca, dir, opts.members);
      return fake;
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * What a pod sees of this API server instead of a kubeconfig: the kubelet's service account
   * directory (`token`, `ca.crt`, `namespace`, written as the kubelet does, the token without a
   * newline) and KUBERNETES_SERVICE_HOST/PORT. `token` and `ca` replace the right ones, to test
   * refusals. The directory goes with close().
   */
  serviceAccount(opts: { token?: string; ca?: string; namespace?: string } = {}): { dir: string; env: { KUBERNETES_SERVICE_HOST: string; KUBERNETES_SERVICE_PORT: string } } {
    const dir = mkdtempSync(path.join(this.dir, 'serviceaccount-'));
    writeFileSync(path.join(dir, 'token'), opts.token ?? this.token);
    writeFileSync(path.join(dir, 'ca.crt'), readFileSync(opts.ca ?? this.caFile));
    writeFileSync(path.join(dir, 'namespace'), opts.namespace ?? 'ringside');
    const { hostname, port } = new URL(this.url);
    return { dir, env: { KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port } };
  }

  /** Destroys every open log stream mid-flight (a dropped connection); with refuseMs, log requests get 503 for that long after. */
  dropConnections(opts: { refuseMs?: number } = {}): number {
    const n = this.streams.size;
    for (const s of this.streams) s.res.destroy();
    this.streams.clear();
    this.refuseUntil = Date.now() + (opts.refuseMs ?? 0);
    return n;
  }

  /** Open follow streams right now. */
  get openStreams(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.streams) s.res.destroy();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- routing

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // Like the real API server: authenticate first, for every path.
    if (req.headers.authorization !== `Bearer ${this.token}`) return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
    if (req.method !== 'GET') return sendStatus(res, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    const url = new URL(req.url ?? '/', this.url);
    const list = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (list) return this.listPods(decodeURIComponent(list[1]), url.searchParams, res);
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (log) return this.podLog(decodeURIComponent(log[1]), decodeURIComponent(log[2]), url.searchParams, res);
    sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
  }

  private listPods(namespace: string, query: URLSearchParams, res: ServerResponse): void {
    const selector = parseSelector(query.get('labelSelector') ?? '');
    if (!selector) return sendStatus(res, 400, 'BadRequest', `unable to parse requirement: ${query.get('labelSelector')}`);
    this.observeProcesses();
    const items = namespace === this.namespace ? this.members().map((m) => this.podFor(m)).filter((p) => selector(p.metadata.labels)) : [];
    sendJson(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(Date.now()) }, items });
  }

  private podLog(namespace: string, pod: string, query: URLSearchParams, res: ServerResponse): void {
    const record = (status: number): void => {
      this.logRequests.push({ pod, sinceTime: query.get('sinceTime'), tailLines: query.get('tailLines'), status });
    };
    const member = namespace === this.namespace ? this.members().find((m) => `etcd-${m.name}` === pod) : undefined;
    if (!member) {
      record(404);
      return sendStatus(res, 404, 'NotFound', `pods "${pod}" not found`);
    }
    const container = query.get('container');
    if (container && container !== 'etcd') {
      record(400);
      return sendStatus(res, 400, 'BadRequest', `container ${container} is not valid for pod ${pod}`);
    }
    if (Date.now() < this.refuseUntil) {
      record(503);
      return sendStatus(res, 503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
    }
    const from = this.startIndex(member, query);
    if (typeof from === 'string') {
      record(400);
      return sendStatus(res, 400, 'BadRequest', from);
    }
    record(200);
    res.on('error', () => undefined); // a client that went away is not the stand-in's problem
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    const stream: LogStream = { res, member: member.name, pid: member.pid, next: from };
    this.pump(stream, member);
    if (query.get('follow') !== 'true' || !member.running) {
      res.end();
      return;
    }
    this.streams.add(stream);
    res.once('close', () => this.streams.delete(stream));
  }

  /** Index of the first line to send, or a 400 message. */
  private startIndex(member: MemberHandle, query: URLSearchParams): number | string {
    const lines = this.index(member).lines;
    let from = 0;
    const sinceTime = query.get('sinceTime');
    const sinceSeconds = query.get('sinceSeconds');
    if (sinceTime !== null) {
      const ns = parseRfc3339Seconds(sinceTime);
      if (ns === null) return `parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`;
      from = firstAtOrAfter(lines, ns);
    } else if (sinceSeconds !== null) {
      if (!/^\d+$/.test(sinceSeconds) || Number(sinceSeconds) < 1) return 'sinceSeconds: Invalid value: must be greater than 0';
      from = firstAtOrAfter(lines, (BigInt(Date.now()) - BigInt(sinceSeconds) * 1000n) * NS_PER_MS);
    }
    const tail = query.get('tailLines');
    if (tail !== null) {
      if (!/^\d+$/.test(tail)) return `tailLines: Invalid value: "${tail}"`;
      from = Math.max(from, lines.length - Number(tail));
    }
    return from;
  }

  // ---------------------------------------------------------------- following

  private tick(): void {
    this.observeProcesses();
    const byName = new Map(this.members().map((m) => [m.name, m]));
    for (const s of this.streams) {
      const member = byName.get(s.member);
      if (member) this.pump(s, member);
      // The kubelet ends a follow when the container stops.
      if (!member || !member.running || member.pid !== s.pid) this.endStream(s);
    }
  }

  private endStream(s: LogStream): void {
    this.streams.delete(s);
    if (!s.res.writableEnded) s.res.end();
  }

  /** Sends the stream every indexed line it has not had yet. */
  private pump(s: LogStream, member: MemberHandle): void {
    const lines = this.index(member).lines;
    if (s.next >= lines.length || s.res.destroyed || s.res.writableEnded) return;
    s.res.write(lines.slice(s.next).map((l) => `${l.stamp} ${l.text}\n`).join(''));
    s.next = lines.length;
  }

  /** The member's log index, brought up to date with its file. */
  private index(member: MemberHandle): LogIndex {
    let idx = this.indexes.get(member.name);
    if (!idx || idx.file !== member.logFile) {
      idx = { file: member.logFile, offset: 0, partial: Buffer.alloc(0), lines: [], lastNs: 0n };
      this.indexes.set(member.name, idx);
    }
    const fresh = readFrom(idx.file, idx.offset);
    if (fresh.length === 0) return idx;
    idx.offset += fresh.length;
    const buf = Buffer.concat([idx.partial, fresh]);
    const end = buf.lastIndexOf(0x0a);
    idx.partial = end < 0 ? buf : buf.subarray(end + 1);
    if (end < 0) return idx;
    for (const text of buf.subarray(0, end).toString('utf8').split('\n')) {
      const ns = maxBig(zapTimeNs(text) ?? BigInt(Date.now()) * NS_PER_MS, idx.lastNs);
      idx.lastNs = ns;
      idx.lines.push({ ns, stamp: rfc3339Nano(ns), text });
    }
    return idx;
  }

  // ---------------------------------------------------------------- pods

  private uidOf(pod: string): string {
    let uid = this.uids.get(pod);
    if (!uid) this.uids.set(pod, (uid = randomUUID()));
    return uid;
  }

  /** Tracks each member's process: a new PID is a container restart. */
  private observeProcesses(): void {
    for (const m of this.members()) {
      const known = this.procs.get(m.name);
      if (known && known.pid === m.pid) continue;
      if (m.pid === null) {
        this.procs.set(m.name, { ...(known ?? { ran: false, restarts: 0, command: [] }), pid: null, startedAt: null });
        continue;
      }
      const command = readCmdline(m.pid);
      this.procs.set(m.name, {
        pid: m.pid,
        ran: true,
        restarts: known?.ran ? known.restarts + 1 : 0,
        command: command.length > 0 ? command : (known?.command ?? []),
        startedAt: processStart(m.pid),
      });
    }
  }

  private podFor(m: MemberHandle) {
    const proc = this.procs.get(m.name) ?? { pid: null, ran: false, restarts: 0, command: [], startedAt: null };
    const running = m.running && proc.startedAt !== null;
    const name = `etcd-${m.name}`;
    const ready = running ? 'True' : 'False';
    return {
      metadata: {
        name,
        namespace: this.namespace,
        uid: this.uidOf(name),
        resourceVersion: String(Date.now()),
        creationTimestamp: this.createdAt,
        labels: { component: 'etcd', tier: 'control-plane' },
        annotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': m.clientURL, 'kubernetes.io/config.source': 'file' },
      },
      spec: {
        containers: [
          {
            name: 'etcd',
            image: 'registry.k8s.io/etcd:3.4.23-0',
            imagePullPolicy: 'IfNotPresent',
            command: proc.command,
            volumeMounts: [{ name: 'etcd-data', mountPath: path.dirname(m.dataDir) }],
          },
        ],
        nodeName: m.name,
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        restartPolicy: 'Always',
      },
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Initialized', status: 'True' },
          { type: 'Ready', status: ready },
          { type: 'ContainersReady', status: ready },
          { type: 'PodScheduled', status: 'True' },
        ],
        hostIP: '127.0.0.1',
        hostIPs: [{ ip: '127.0.0.1' }],
        podIP: '127.0.0.1',
        podIPs: [{ ip: '127.0.0.1' }],
        startTime: this.createdAt,
        qosClass: 'Burstable',
        containerStatuses: [
          {
            name: 'etcd',
            image: 'registry.k8s.io/etcd:3.4.23-0',
            imageID: 'registry.k8s.io/etcd@sha256:0000000000000000000000000000000000000000000000000000000000000000',
            containerID: proc.pid ? `containerd://${String(proc.pid).padStart(64, '0')}` : undefined,
            ready: running,
            started: running,
            restartCount: proc.restarts,
            state: running
              ? { running: { startedAt: proc.startedAt } }
              : { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=etcd pod=${name}` } },
          },
        ],
      },
    };
  }
}

// ---------------------------------------------------------------- helpers

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A v1 Status, as the API server answers every error. */
function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/**
 * Equality-based selectors (`a=b`, `a==b`, `a!=b`) and existence (`a`, `!a`), comma-joined: all
 * kubectl's `-l component=etcd` needs. Set-based forms are refused (null) rather than misread.
 */
function parseSelector(selector: string): ((labels: Record<string, string>) => boolean) | null {
  const tests: ((labels: Record<string, string>) => boolean)[] = [];
  for (const raw of selector.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(!?)([A-Za-z0-9./_-]+)(?:\s*(==|=|!=)\s*([A-Za-z0-9._-]*))?$/.exec(raw);
    if (!m) return null;
    const [, not, key, op, value] = m;
    if (op && not) return null;
    if (!op) tests.push(not ? (l) => !(key in l) : (l) => key in l);
    else if (op === '!=') tests.push((l) => l[key] !== value);
    else tests.push((l) => l[key] === value);
  }
  return (labels) => tests.every((t) => t(labels));
}

function readFrom(file: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0); // not written yet
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The zap line's `ts` in nanoseconds since the epoch, or null. */
function zapTimeNs(text: string): bigint | null {
  try {
    const ts = (JSON.parse(text) as { ts?: unknown }).ts;
    if (typeof ts === 'string') {
      const ms = Date.parse(ts);
      if (!Number.isNaN(ms)) return BigInt(ms) * NS_PER_MS;
    } else if (typeof ts === 'number') {
      return BigInt(Math.round(ts * 1000)) * NS_PER_MS; // zap's epoch-seconds encoder
    }
  } catch {
    // not JSON: stamped "now"
  }
  return null;
}

/** Go's time.RFC3339Nano: UTC, trailing zeros of the fraction dropped. */
function rfc3339Nano(ns: bigint): string {
  const base = new Date(Number(ns / NS_PER_S) * 1000).toISOString().slice(0, 19);
  const frac = (ns % NS_PER_S).toString().padStart(9, '0').replace(/0+$/, '');
  return frac ? `${base}.${frac}Z` : `${base}Z`;
}

/** An RFC3339 time truncated to whole seconds, as the API server forwards sinceTime to the kubelet. */
function parseRfc3339Seconds(ts: string): bigint | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i.exec(ts);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[2].toUpperCase()}`);
  return Number.isNaN(ms) ? null : BigInt(ms) * NS_PER_MS;
}

function firstAtOrAfter(lines: IndexedLine[], ns: bigint): number {
  const i = lines.findIndex((l) => l.ns >= ns);
  return i < 0 ? lines.length : i;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function readCmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Start time of a process from /proc (field 22 of stat, in clock ticks since boot; USER_HZ is 100 on Linux). */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return null;
    return new Date((btime + Math.floor(ticks / 100)) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  } catch {
    return null;
  }
}

function kubeconfigYaml(server: string, caData: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: fake',
    '    cluster:',
    `      server: ${server}`,
    `      certificate-authority-data: ${caData}`,
    'users:',
    '  - name: ringside',
    '    user:',
    `      token: ${token}`,
    '  - name: stranger',
    '    user:',
    `      token: not-${token}`,
    'contexts:',
    '  - name: fake',
    '    context: { cluster: fake, user: ringside, namespace: kube-system }',
    '  - name: wrong-token',
    '    context: { cluster: fake, user: stranger, namespace: kube-system }',
    'current-context: fake',
    '',
  ].join('\n');
}
