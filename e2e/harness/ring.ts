// EtcdRing: an N-member ring of real etcd (3.4) on loopback, for tests, the demo
// script and benchmarks. See /work/shared/ETCD.md for the facts this relies on.
//
// Every member listens on 127.0.0.1 only, on ports probed free below the
// ephemeral range. Each member logs zap JSON to <dir>/etcd.log (stderr, which
// still carries panics and /health warnings, to <dir>/etcd.log.stderr), where
// <dir> is member-<n> under the ring's directory: names are any string etcd
// takes (`../x`, `m3✓`, `$(...)`), so no path is ever built from one.
// Children are tracked and SIGKILLed when this process exits, so a crashed test
// run leaves no etcd behind. Processes are only ever signalled by their own PID.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, readFile } from 'node:fs/promises';
import { existsSync, openSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePortBlock, releasePorts } from './ports';
import { generateTls, type TlsFiles, type TlsOptions } from './tls';

export { freePortBlock } from './ports';
export type { TlsFiles } from './tls';

const ETCD = process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd';
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';
const READY_MS = 20_000; // bound on "member/ring is serving"
const STOP_MS = 5_000; // SIGTERM grace before SIGKILL
const START_ATTEMPTS = 3; // port blocks tried when a member fails to bind

export interface RingOptions {
  size?: number;
  /** The members' --name, one per member (the size follows); default <name>1..<name>N. */
  names?: string[];
  tls?: boolean;
  /** With tls: the test PKI's validity and the server certificate's SANs (e2e/harness/tls.ts). */
  tlsOptions?: TlsOptions;
  extraFlags?: string[];
  corruptionChecks?: boolean;
  baseDir?: string;
  name?: string;
}

export interface MemberHandle {
  name: string;
  clientURL: string;
  peerURL: string;
  metricsURL: string;
  dataDir: string;
  logFile: string;
  pid: number | null; // PID of the running process, null when not running
  running: boolean;
  frozen: boolean; // SIGSTOPped by freeze()
}

export interface EtcdctlResult {
  stdout: string;
  stderr: string;
  code: number;
}

interface Member extends MemberHandle {
  ports: number[]; // client, peer, metrics
  initialCluster: string;
  child: ChildProcess | null;
  exited: Promise<void> | null;
  lastExit: string;
}

// ---------------------------------------------------------------- child tracking

const live = new Set<ChildProcess>();
let handlersInstalled = false;

function killAllNow(): void {
  for (const c of live) {
    // SIGKILL also ends a SIGSTOPped process, so no SIGCONT needed here.
    if (c.pid && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllNow();
      // Adding a listener disables Node's default "terminate on signal". If ours is
      // the only one, restore the default and re-raise so the signal is not swallowed;
      // otherwise the other listener (e.g. the test runner) decides.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

// ---------------------------------------------------------------- small helpers

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Copy of process.env without variables that etcd/etcdctl would read behind our back. */
function cleanEnv(prefix: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith(prefix)) delete env[k];
  return env;
}

/**
 * JSON.parse that keeps integers of 16+ digits as strings: etcd member/cluster
 * IDs exceed 2^53 and plain JSON.parse would round them.
 */
export function parseJsonBig(text: string): unknown {
  return JSON.parse(text.replace(/([:,[]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const idStr = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '0');

async function tail(file: string, lines = 25): Promise<string> {
  try {
    const text = (await readFile(file, 'utf8')).trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : '(empty)';
  } catch {
    return '(missing)';
  }
}

/** GET <metricsURL>/health: plain HTTP even on a TLS ring. */
function healthy(m: MemberHandle, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    // agent:false so no keep-alive socket outlives the check.
    const req = http.get(`${m.metricsURL}/health`, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(obj(JSON.parse(body)).health === 'true');
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Use host `localhost` in client URLs only when it can only mean 127.0.0.1 (it avoids Node's DEP0123). */
async function localhostIsLoopbackV4(): Promise<boolean> {
  try {
    const addrs = await lookup('localhost', { all: true });
    return addrs.length > 0 && addrs.every((a) => a.address === '127.0.0.1');
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- the ring

export class EtcdRing {
  tls?: TlsFiles;
  readonly baseDir: string;
  private recs: Member[] = [];
  private readonly opts: RingOptions;
  private readonly ownsBaseDir: boolean;
  private readonly token = `ringside-${randomBytes(6).toString('hex')}`;
  private clientHost = '127.0.0.1';
  private closed = false;
  private dirs = 0;

  private constructor(baseDir: string, opts: RingOptions, ownsBaseDir: boolean) {
    this.baseDir = baseDir;
    this.opts = opts;
    this.ownsBaseDir = ownsBaseDir;
  }

  get members(): MemberHandle[] {
    return this.recs;
  }

  /** Starts the ring; resolves once every member's /health says true. */
  static async start(opts: RingOptions = {}): Promise<EtcdRing> {
    const size = opts.names?.length ?? opts.size ?? 3;
    if (!Number.isInteger(size) || size < 1) throw new Error(`EtcdRing: bad size ${size}`);
    installExitHandlers();
    // Only a directory we created is removed wholesale on close.
    const ownsBaseDir = !opts.baseDir || !existsSync(opts.baseDir);
    const baseDir = opts.baseDir
      ? path.resolve(opts.baseDir)
      : await mkdtemp(path.join(os.tmpdir(), 'ringside-ring-'));
    await mkdir(baseDir, { recursive: true });
    const ring = new EtcdRing(baseDir, opts, ownsBaseDir);
    try {
      if (opts.tls) {
        ring.tls = await generateTls(path.join(baseDir, 'tls'), opts.tlsOptions);
        if (await localhostIsLoopbackV4()) ring.clientHost = 'localhost';
      }
      for (let attempt = 1; ; attempt++) {
        const ports = await freePortBlock(3 * size);
        const prefix = opts.name ?? 'm';
        const names = opts.names ?? Array.from({ length: size }, (_, i) => `${prefix}${i + 1}`);
        ring.recs = names.map((name, i) => ring.makeMember(name, ports.slice(3 * i, 3 * i + 3)));
        const cluster = ring.recs.map((m) => `${m.name}=${m.peerURL}`).join(',');
        for (const m of ring.recs) m.initialCluster = cluster;
        try {
          for (const m of ring.recs) await ring.launch(m, 'new', []);
          const deadline = Date.now() + READY_MS;
          await Promise.all(ring.recs.map((m) => ring.waitServing(m, deadline, false)));
          return ring;
        } catch (err) {
          await Promise.all(ring.recs.map((m) => ring.stop(m.name)));
          releasePorts(ports);
          const bindFailed = /address already in use/.test(String(err));
          if (!bindFailed || attempt >= START_ATTEMPTS) throw err;
          // Another process took a probed port: start over on a fresh block.
          await Promise.all(ring.recs.map((m) => rm(path.dirname(m.dataDir), { recursive: true, force: true })));
        }
      }
    } catch (err) {
      await ring.close();
      throw err;
    }
  }

  /** Client URLs of members that are running and not frozen (a frozen member would stall etcdctl). */
  endpoints(): string[] {
    return this.recs.filter((m) => m.running && !m.frozen).map((m) => m.clientURL);
  }

  member(name: string): MemberHandle {
    return this.rec(name);
  }

  /** SIGTERM (after SIGCONT if frozen), SIGKILL after `timeoutMs`; resolves once the process has exited. */
  async stop(name: string, timeoutMs = STOP_MS): Promise<void> {
    const m = this.rec(name);
    if (!m.running || !m.child || !m.exited) return;
    if (m.frozen) this.thaw(name); // a stopped process would hold SIGTERM pending forever
    this.signal(m, 'SIGTERM');
    const timer = setTimeout(() => this.signal(m, 'SIGKILL'), timeoutMs);
    await m.exited;
    clearTimeout(timer);
  }

  /** SIGKILL (a crash); resolves once the process has exited. */
  async kill(name: string): Promise<void> {
    const m = this.rec(name);
    if (!m.running || !m.exited) return;
    this.signal(m, 'SIGKILL');
    await m.exited;
  }

  /** SIGSTOP: the member hangs (peers see it stop answering, its sockets stay open). */
  freeze(name: string): void {
    const m = this.rec(name);
    if (!m.running) throw new Error(`freeze ${name}: not running`);
    this.signal(m, 'SIGSTOP');
    m.frozen = true;
  }

  thaw(name: string): void {
    const m = this.rec(name);
    if (!m.running) throw new Error(`thaw ${name}: not running`);
    this.signal(m, 'SIGCONT');
    m.frozen = false;
  }

  /**
   * Starts the member again on its data dir and ports (stopping it first if it runs).
   * `extraFlags` apply to this start only and come last, so they override earlier
   * flags (e.g. ['--experimental-initial-corrupt-check=false']). Resolves once it
   * serves; rejects with the tail of its logs if it exits first.
   */
  async restart(name: string, extraFlags: string[] = []): Promise<void> {
    const m = this.rec(name);
    if (m.running) await this.stop(name);
    await this.launch(m, 'existing', extraFlags);
    await this.waitServing(m, Date.now() + READY_MS, true);
  }

  /**
   * `etcdctl member add` (as a learner when asked), then, unless start === false,
   * starts the member with an empty data dir and --initial-cluster-state=existing.
   * Retries "unhealthy cluster" for a while: etcd refuses adds until every voting
   * member has been connected for 5 s (so right after start or a restart).
   */
  async addMember(opts: { learner?: boolean; name?: string; start?: boolean; retryMs?: number } = {}): Promise<MemberHandle> {
    const name = opts.name ?? this.nextName();
    if (this.recs.some((m) => m.name === name)) throw new Error(`addMember: ${name} already exists`);
    const ports = await freePortBlock(3);
    const m = this.makeMember(name, ports);
    const args = ['member', 'add', name, `--peer-urls=${m.peerURL}`, ...(opts.learner ? ['--learner'] : [])];
    const deadline = Date.now() + (opts.retryMs ?? 15_000);
    for (;;) {
      const r = await this.etcdctl(args);
      if (r.code === 0) break;
      if (!/unhealthy cluster/.test(r.stderr) || Date.now() > deadline) {
        releasePorts(ports);
        throw new Error(`addMember ${name}: etcdctl member add failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      }
      await sleep(500);
    }
    this.recs.push(m);
    m.initialCluster = await this.initialClusterFor(m);
    if (opts.start !== false) await this.startAdded(name);
    return m;
  }

  /** Starts a member that addMember() registered with start: false. */
  async startAdded(name: string): Promise<void> {
    const m = this.rec(name);
    if (m.running) throw new Error(`startAdded ${name}: already running`);
    if (!m.initialCluster) throw new Error(`startAdded ${name}: not added with addMember()`);
    await this.launch(m, 'existing', []);
    await this.waitServing(m, Date.now() + READY_MS, true);
  }

  /**
   * Starts a member someone else added to the ring (Ringside's wizard): an empty data dir, the
   * given --initial-cluster and --initial-cluster-state=existing. A stopped member of the same
   * name and peer URL is replaced in place (same ports, its old data wiped), as on a repaired
   * machine; otherwise the peer and client ports come from the URLs. Loopback only.
   */
  async launchJoining(opts: { name: string; peerURL: string; clientURL: string; initialCluster: string }): Promise<MemberHandle> {
    const peer = new URL(opts.peerURL);
    const client = new URL(opts.clientURL);
    for (const u of [peer, client]) {
      if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new Error(`launchJoining: ${u.href} is not a loopback URL`);
    }
    let m = this.recs.find((x) => x.name === opts.name);
    if (m) {
      // A removed member stops by itself once it learns it was removed; give it a moment.
      if (m.running && m.exited) await Promise.race([m.exited, sleep(10_000)]);
      if (m.running) throw new Error(`launchJoining: ${opts.name} is still running; stop it first`);
      if (m.peerURL !== `${peer.protocol}//${peer.host}`) throw new Error(`launchJoining: ${opts.name} had peer URL ${m.peerURL}, not ${opts.peerURL}`);
      await rm(path.dirname(m.dataDir), { recursive: true, force: true });
    } else {
      const [metrics] = await freePortBlock(1);
      m = this.makeMember(opts.name, [Number(client.port), Number(peer.port), metrics]);
      this.recs.push(m);
    }
    m.initialCluster = opts.initialCluster;
    await this.launch(m, 'existing', []);
    await this.waitServing(m, Date.now() + READY_MS, true);
    return m;
  }

  /**
   * A disaster restore of one member, as a person does it on the member's host: the member is
   * stopped, its data dir replaced by `etcdctl snapshot restore` (or `etcdutl` for 3.5+
   * snapshots) of `snapshot` with its name, the new cluster's --initial-cluster and token, and
   * its own peer URL. It is not started: a restored member waits for its peers, so all are
   * restored first, then started together (startRestored). Loopback only; the member must be one
   * of this ring's, on the same URLs.
   */
  async restoreMember(opts: { name: string; peerURL: string; clientURL: string; initialCluster: string; token: string; snapshot: string; tool: 'etcdctl' | 'etcdutl'; bumpRevision?: number | null }): Promise<MemberHandle> {
    const m = this.rec(opts.name);
    if (m.peerURL !== new URL(opts.peerURL).origin || m.clientURL !== new URL(opts.clientURL).origin) {
      throw new Error(`restoreMember: ${opts.name} is on ${m.peerURL} and ${m.clientURL}, not ${opts.peerURL} and ${opts.clientURL}`);
    }
    await this.stop(opts.name);
    await rm(m.dataDir, { recursive: true, force: true });
    const bin = opts.tool === 'etcdctl' ? ETCDCTL : process.env.RINGSIDE_ETCDUTL_BIN || path.join(path.dirname(ETCD), 'etcdutl');
    const args = [
      'snapshot', 'restore', opts.snapshot,
      `--name=${opts.name}`,
      `--initial-cluster=${opts.initialCluster}`,
      `--initial-cluster-token=${opts.token}`,
      `--initial-advertise-peer-urls=${opts.peerURL}`,
      `--data-dir=${m.dataDir}`,
      ...(opts.bumpRevision ? [`--bump-revision=${opts.bumpRevision}`, '--mark-compacted'] : []),
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(bin, args, { env: { ...cleanEnv('ETCDCTL_'), ETCDCTL_API: '3' }, timeout: 120_000 }, (err, _stdout, stderr) =>
        err ? reject(new Error(`${opts.tool} snapshot restore for ${opts.name} failed: ${stderr.trim().split('\n').pop() || err.message}`)) : resolve(),
      );
    });
    m.initialCluster = opts.initialCluster;
    return m;
  }

  /**
   * Starts a member on the data dir restoreMember made. Does not wait for it to serve: it has no
   * quorum until enough of its restored peers run too. Rejects if it exits at once.
   */
  async startRestored(name: string): Promise<MemberHandle> {
    const m = this.rec(name);
    if (m.running) throw new Error(`startRestored ${name}: already running`);
    if (!existsSync(m.dataDir)) throw new Error(`startRestored ${name}: no restored data dir (restore it first)`);
    await this.launch(m, 'new', []);
    await sleep(300);
    if (!m.running) throw new Error(`${name} exited (${m.lastExit}) right after start.\n${await this.logTails(m)}`);
    return m;
  }

  /** Runs etcdctl (API v3) against `endpoints` (default: endpoints()) with the ring's TLS flags. Never rejects on a non-zero exit. */
  etcdctl(args: string[], opts: { endpoints?: string[]; timeoutMs?: number } = {}): Promise<EtcdctlResult> {
    const endpoints = opts.endpoints ?? this.endpoints();
    if (endpoints.length === 0) return Promise.reject(new Error('etcdctl: no running members to talk to'));
    const tlsFlags = this.tls ? [`--cacert=${this.tls.ca}`, `--cert=${this.tls.cert}`, `--key=${this.tls.key}`] : [];
    const env = { ...cleanEnv('ETCDCTL_'), ETCDCTL_API: '3' };
    return new Promise((resolve) => {
      execFile(
        ETCDCTL,
        [`--endpoints=${endpoints.join(',')}`, ...tlsFlags, ...args],
        { env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
          const code = !e ? 0 : typeof e.code === 'number' ? e.code : -1;
          let errText = stderr;
          if (e?.killed) errText += '\n(etcdctl killed after timeout)';
          else if (e && code === -1) errText += `\n${e.message}`; // e.g. spawn failure
          resolve({ stdout, stderr: errText, code });
        },
      );
    });
  }

  /**
   * Name of the current leader, or null if no reachable member knows one.
   * Asks each reachable member for its status separately (one dead member must
   * not hide the others), trusts the report with the highest raft term, and maps
   * the leader ID to a name through `member list` (IDs compared as decimal strings).
   */
  async leaderName(): Promise<string | null> {
    const reports = await Promise.all(
      this.recs
        .filter((m) => m.running && !m.frozen)
        .map(async (m) => {
          const r = await this.etcdctl(['endpoint', 'status', '-w', 'json', '--command-timeout=2s'], { endpoints: [m.clientURL] });
          if (r.code !== 0) return null;
          try {
            const first = obj((parseJsonBig(r.stdout) as unknown[])[0]);
            const st = obj(first.Status);
            return { endpoint: m.clientURL, leader: idStr(st.leader), term: Number(st.raftTerm ?? 0) };
          } catch {
            return null;
          }
        }),
    );
    const best = reports
      .filter((r): r is NonNullable<typeof r> => r !== null && r.leader !== '0')
      .sort((a, b) => b.term - a.term)[0];
    if (!best) return null;
    const list = await this.memberList([best.endpoint]);
    const leader = list.find((x) => x.id === best.leader);
    if (!leader) return null;
    return leader.name || this.recs.find((m) => leader.peerURLs.includes(m.peerURL))?.name || null;
  }

  /** Polls `pred` every `intervalMs` until it is true; throws naming `what` after `timeoutMs`. Exceptions count as false. */
  async waitFor(
    pred: () => Promise<boolean> | boolean,
    opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
  ): Promise<void> {
    const { timeoutMs = READY_MS, intervalMs = 200, what = 'condition' } = opts;
    const deadline = Date.now() + timeoutMs;
    let lastErr: unknown;
    for (;;) {
      try {
        if (await pred()) return;
      } catch (err) {
        lastErr = err;
      }
      if (Date.now() >= deadline) {
        const why = lastErr ? ` (last error: ${lastErr instanceof Error ? lastErr.message : String(lastErr)})` : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
      }
      await sleep(intervalMs);
    }
  }

  /** Ends every member by SIGKILL and removes baseDir unless RINGSIDE_KEEP_RING=1. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // SIGKILL, not SIGTERM: a leader told to stop while its peers stop too waits ~5 s for a
    // leadership handover that cannot happen. etcd is crash-safe, and the data goes anyway.
    await Promise.all(this.recs.map((m) => this.kill(m.name)));
    releasePorts(this.recs.flatMap((m) => m.ports));
    if (process.env.RINGSIDE_KEEP_RING === '1') {
      console.error(`[ring] kept ${this.baseDir}`);
      return;
    }
    if (this.ownsBaseDir) await rm(this.baseDir, { recursive: true, force: true });
    else
      await Promise.all(
        [...this.recs.map((m) => path.dirname(m.dataDir)), path.join(this.baseDir, 'tls')].map((d) =>
          rm(d, { recursive: true, force: true }),
        ),
      );
  }

  // ---------------------------------------------------------------- internals

  private rec(name: string): Member {
    const m = this.recs.find((x) => x.name === name);
    if (!m) throw new Error(`no member named ${name} (have ${this.recs.map((x) => x.name).join(', ')})`);
    return m;
  }

  private nextName(): string {
    const prefix = this.opts.name ?? 'm';
    for (let i = this.recs.length + 1; ; i++) if (!this.recs.some((m) => m.name === `${prefix}${i}`)) return `${prefix}${i}`;
  }

  private makeMember(name: string, [client, peer, metrics]: number[]): Member {
    const scheme = this.tls ? 'https' : 'http';
    const dir = path.join(this.baseDir, `member-${++this.dirs}`);
    return {
      name,
      clientURL: `${scheme}://${this.clientHost}:${client}`,
      peerURL: `${scheme}://127.0.0.1:${peer}`,
      metricsURL: `http://127.0.0.1:${metrics}`,
      dataDir: path.join(dir, 'data'),
      logFile: path.join(dir, 'etcd.log'),
      pid: null,
      running: false,
      frozen: false,
      ports: [client, peer, metrics],
      initialCluster: '',
      child: null,
      exited: null,
      lastExit: '',
    };
  }

  private args(m: Member, state: 'new' | 'existing', extra: string[]): string[] {
    const scheme = this.tls ? 'https' : 'http';
    const [client, peer] = m.ports;
    const t = this.tls;
    return [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${scheme}://127.0.0.1:${client}`,
      `--advertise-client-urls=${m.clientURL}`,
      `--listen-peer-urls=${scheme}://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=${m.peerURL}`,
      `--listen-metrics-urls=${m.metricsURL}`,
      `--initial-cluster=${m.initialCluster}`,
      `--initial-cluster-state=${state}`,
      `--initial-cluster-token=${this.token}`,
      '--logger=zap',
      `--log-outputs=${m.logFile}`,
      ...(t
        ? [
            '--client-cert-auth', `--trusted-ca-file=${t.ca}`, `--cert-file=${t.serverCert}`, `--key-file=${t.serverKey}`,
            '--peer-client-cert-auth', `--peer-trusted-ca-file=${t.ca}`, `--peer-cert-file=${t.serverCert}`, `--peer-key-file=${t.serverKey}`,
          ]
        : []),
      ...(this.opts.corruptionChecks
        ? ['--experimental-initial-corrupt-check=true', '--experimental-corrupt-check-time=5s', '--snapshot-count=10']
        : []),
      // Last, so they win: Go's flag package keeps the last value of a repeated flag.
      ...(this.opts.extraFlags ?? []),
      ...extra,
    ];
  }

  private async launch(m: Member, state: 'new' | 'existing', extra: string[]): Promise<void> {
    if (this.closed) throw new Error('ring is closed');
    await mkdir(path.dirname(m.logFile), { recursive: true });
    const errFd = openSync(`${m.logFile}.stderr`, 'a');
    let child: ChildProcess;
    try {
      child = spawn(ETCD, this.args(m, state, extra), { stdio: ['ignore', 'ignore', errFd], env: cleanEnv('ETCD_') });
    } finally {
      closeSync(errFd); // the child has its own copy
    }
    live.add(child);
    m.child = child;
    m.pid = child.pid ?? null;
    m.running = true;
    m.frozen = false;
    m.exited = new Promise<void>((resolve) => {
      const done = (why: string): void => {
        if (m.child !== child) return resolve(); // a later launch owns the record
        live.delete(child);
        m.running = false;
        m.frozen = false;
        m.pid = null;
        m.lastExit = why;
        resolve();
      };
      child.once('exit', (code, sig) => done(sig ? `signal ${sig}` : `exit code ${code}`));
      child.once('error', (err) => done(`spawn error: ${err.message}`)); // e.g. ENOENT: no 'exit' follows
    });
  }

  /**
   * Waits until /health says true. With `lenient` (restart/added members) a member
   * also counts as serving when it answers `endpoint status` with a known leader
   * and an active alarm: /health is false on every member under CORRUPT/NOSPACE,
   * yet the member is up. Rejects with the log tails if the process exits.
   */
  private async waitServing(m: Member, deadline: number, lenient: boolean): Promise<void> {
    for (let i = 0; ; i++) {
      if (!m.running) throw new Error(`${m.name} exited (${m.lastExit}) before serving.\n${await this.logTails(m)}`);
      if (await healthy(m)) return;
      if (lenient && i % 5 === 4 && (await this.servesWithAlarm(m))) return;
      if (Date.now() > deadline) {
        throw new Error(`${m.name} not healthy within ${READY_MS} ms.\n${await this.logTails(m)}`);
      }
      await sleep(100);
    }
  }

  private async servesWithAlarm(m: Member): Promise<boolean> {
    const r = await this.etcdctl(['endpoint', 'status', '-w', 'json', '--command-timeout=1s'], { endpoints: [m.clientURL] });
    if (r.code !== 0) return false;
    try {
      const st = obj(obj((parseJsonBig(r.stdout) as unknown[])[0]).Status);
      return idStr(st.leader) !== '0' && Array.isArray(st.errors) && st.errors.length > 0;
    } catch {
      return false;
    }
  }

  private async logTails(m: Member): Promise<string> {
    return `--- ${m.logFile} (tail) ---\n${await tail(m.logFile)}\n--- ${m.logFile}.stderr (tail) ---\n${await tail(`${m.logFile}.stderr`)}`;
  }

  private signal(m: Member, sig: NodeJS.Signals): void {
    if (!m.running || m.pid === null) return;
    try {
      process.kill(m.pid, sig);
    } catch {
      // exited between the check and the signal; the 'exit' handler updates the record
    }
  }

  private async memberList(endpoints?: string[]): Promise<{ id: string; name: string; peerURLs: string[]; isLearner: boolean }[]> {
    const r = await this.etcdctl(['member', 'list', '-w', 'json'], { endpoints });
    if (r.code !== 0) throw new Error(`etcdctl member list failed (${r.code}): ${r.stderr.trim()}`);
    const members = obj(parseJsonBig(r.stdout)).members;
    return (Array.isArray(members) ? members : []).map((x) => {
      const o = obj(x);
      return {
        id: idStr(o.ID),
        name: typeof o.name === 'string' ? o.name : '',
        peerURLs: Array.isArray(o.peerURLs) ? o.peerURLs.map(String) : [],
        isLearner: o.isLearner === true,
      };
    });
  }

  /** --initial-cluster for a just-added member: everyone in `member list` (itself included), named from our records when unstarted. */
  private async initialClusterFor(added: Member): Promise<string> {
    const list = await this.memberList();
    const parts: string[] = [];
    for (const x of list) {
      const name = this.recs.find((m) => x.peerURLs.includes(m.peerURL))?.name || x.name || `unnamed-${BigInt(x.id).toString(16)}`;
      for (const u of x.peerURLs) parts.push(`${name}=${u}`);
    }
    if (!parts.some((p) => p.endsWith(`=${added.peerURL}`))) parts.push(`${added.name}=${added.peerURL}`);
    return parts.join(',');
  }
}
