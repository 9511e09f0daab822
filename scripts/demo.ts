// `npm run demo`: a real 3-member etcd ring on loopback plus the built Ringside
// pointed at it, so anyone can watch members fail and recover.
//
//   npm run demo                  run until Ctrl-C
//   npm run demo -- --check       start, verify the ring API, stop (exit 0 = OK)
//   RINGSIDE_DEMO_CHECK=1 npm run demo   same as --check
//   PORT=4000 npm run demo        preferred port (a free one is used if it is busy)
//   RINGSIDE_DEMO_LOAD=0 npm run demo   no background writes (by default 5 puts a second, like a
//                                 control plane renewing leases, so the charts have something to show)
//
// Everything listens on 127.0.0.1 and is stopped by its own PID. The ring lives in
// .ringside/demo (git-ignored); a state file there lets the next run reap what a
// killed run left behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { randomBytes } from 'node:crypto';
import { startLauncher, type Launcher } from '../e2e/harness/launcher';
import { EtcdRing, type MemberHandle } from '../e2e/harness/ring';
import { hashPassword } from '../lib/auth/password';
import { freePortBlock, portIsFree, processAlive as alive } from '../e2e/harness/ports';
import { checkHistory, checkRing, checkSignIn } from '../e2e/support/demo-check';

const ROOT = path.resolve(__dirname, '..');
const DEMO_DIR = path.join(ROOT, '.ringside', 'demo');
const CONFIG_FILE = path.join(DEMO_DIR, 'ringside.yaml');
const SERVER_LOG = path.join(DEMO_DIR, 'next.log');
const STATE_FILE = path.join(DEMO_DIR, 'demo.json');
const CLUSTER = 'demo';
const SERVER_READY_MS = 60_000;
const STOP_MS = 5_000;
const TAIL_LINES = 40;

const checkMode = process.argv.includes('--check') || process.env.RINGSIDE_DEMO_CHECK === '1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rel = (p: string): string => path.relative(process.cwd(), p) || '.';

// ---------------------------------------------------------------- prerequisites

/** etcd/etcdctl present, else installed (root) or the command printed (scripts/ensure-etcd.sh). */
function ensureEtcd(): void {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'ensure-etcd.sh')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

/** Newest mtime (ms) of the files a production build is made from; tests do not count. */
function newestSource(): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  const consider = (file: string): void => {
    const m = statSync(file).mtimeMs;
    if (m > newest.mtimeMs) newest = { file, mtimeMs: m };
  };
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !/\.test\.tsx?$/.test(e.name)) consider(p);
    }
  };
  for (const d of ['app', 'components', 'lib', 'public']) walk(path.join(ROOT, d));
  for (const f of ['next.config.js', 'instrumentation.ts', 'postcss.config.mjs', 'package-lock.json', 'tsconfig.json']) {
    if (existsSync(path.join(ROOT, f))) consider(path.join(ROOT, f));
  }
  return newest;
}

/** Runs `next build` when .next/BUILD_ID is missing or older than a source file. */
function ensureBuild(): void {
  const buildId = path.join(ROOT, '.next', 'BUILD_ID');
  const src = newestSource();
  let reason: string | null = null;
  if (!existsSync(buildId)) reason = '.next/BUILD_ID is missing';
  else if (statSync(buildId).mtimeMs < src.mtimeMs) reason = `${path.relative(ROOT, src.file)} is newer than the build`;
  if (!reason) return;
  console.log(`Building Ringside first (${reason}): next build ...`);
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'next'), ['build'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) {
    console.error(`next build failed (${r.status ?? r.signal}); fix the build and run the demo again.`);
    process.exit(1);
  }
}

// ---------------------------------------------------------------- leftovers of an earlier run

interface DemoState {
  demoPid: number;
  serverPid: number | null;
  etcdPids: number[];
}

function procText(pid: number, file: 'cmdline' | 'environ'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function readState(): DemoState | null {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as DemoState;
  } catch {
    return null;
  }
}

function writeState(state: DemoState): void {
  writeFileSync(STATE_FILE, `${JSON.stringify(state)}\n`);
}

/**
 * Refuses to run next to a live demo; otherwise SIGKILLs what a killed demo left running
 * and clears its directory (a stale data dir would make etcd ignore the new ring's flags).
 * A recorded PID is only signalled if the process still looks like ours: PIDs get reused.
 */
function reapLeftovers(): void {
  const state = readState();
  if (state && state.demoPid !== process.pid && alive(state.demoPid) && procText(state.demoPid, 'cmdline').includes('demo')) {
    console.error(`Another Ringside demo is running (PID ${state.demoPid}). Stop it first (Ctrl-C in its terminal, or kill ${state.demoPid}).`);
    process.exit(1);
  }
  if (state) {
    const ours = [
      ...state.etcdPids.filter((p) => procText(p, 'cmdline').includes(`--data-dir=${DEMO_DIR}/`)),
      ...(state.serverPid !== null && procText(state.serverPid, 'environ').includes(`RINGSIDE_CONFIG=${CONFIG_FILE}`) ? [state.serverPid] : []),
    ];
    for (const pid of ours) {
      console.log(`Stopping PID ${pid}, left running by an earlier demo.`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  rmSync(DEMO_DIR, { recursive: true, force: true });
  mkdirSync(DEMO_DIR, { recursive: true });
}

// ---------------------------------------------------------------- the server

/** The demo's operator: a fresh password each run (or $RINGSIDE_DEMO_PASSWORD), stored only as a hash. */
const OPERATOR = 'demo';
const PASSWORD = process.env.RINGSIDE_DEMO_PASSWORD || randomBytes(12).toString('base64url');

function configYaml(ring: EtcdRing, passwordHash: string, launcherURL: string): string {
  const endpoints = ring.members.map((m) => `      - ${m.clientURL}`);
  // Each member's zap log and its stderr (Go panics, some warnings), for the log panel.
  const logs = ring.members.flatMap((m) => [
    `        - path: ${m.logFile}`,
    `          member: ${m.name}`,
    `        - path: ${m.logFile}.stderr`,
    `          member: ${m.name}`,
  ]);
  // Each member's own metrics listener (--listen-metrics-urls), as a kubeadm node has on :2381.
  const metrics = ring.members.map((m) => `        ${m.name}: ${m.metricsURL}`);
  return [
    'pollIntervalMs: 1000',
    `dataDir: ${path.join(DEMO_DIR, 'data')}`,
    'auth:',
    '  users:',
    `    - { name: ${OPERATOR}, role: operator, passwordHash: "${passwordHash}" }`,
    // A backup every 5 minutes and a restore drill every hour, so the Backups panel has
    // something to show; the disaster restore wizard restores from these.
    'backups:',
    `  dir: ${path.join(DEMO_DIR, 'backups')}`,
    '  every: 5m',
    '  keep: 5',
    `  drill: { every: 1h, etcd: ${process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd'}, etcdctl: ${process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl'} }`,
    'clusters:',
    `  - name: ${CLUSTER}`,
    '    endpoints:',
    ...endpoints,
    // The replacement wizard's "Start it" button: this script starts the member it added.
    `    launcher: ${launcherURL}`,
    '    metrics:',
    '      urls:',
    ...metrics,
    '    logs:',
    '      files:',
    ...logs,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- write load

const LOAD_EVERY_MS = 200;

/**
 * A small steady write load, like a control plane renewing leases, so fsync, commit and revision
 * charts move. Writes fail while the ring has no quorum; that is part of the show, not an error.
 */
function startLoad(r: EtcdRing): () => void {
  if (process.env.RINGSIDE_DEMO_LOAD === '0') return () => {};
  const client = new Etcd3({ hosts: r.members.map((m) => m.clientURL), dialTimeout: 500, faultHandling: { host: () => noop, global: noop } });
  let n = 0;
  const timer = setInterval(() => {
    const key = `/registry/leases/kube-node-lease/node-${n++ % 5}`;
    client.put(key).value(new Date().toISOString()).options({ deadline: Date.now() + 1000 }).exec().catch(() => undefined);
  }, LOAD_EVERY_MS);
  return () => {
    clearInterval(timer);
    client.close();
  };
}

let stopLoad = () => {};

/** $PORT (default 3000) if free, else a free port below the ephemeral range. */
async function choosePort(): Promise<number> {
  const wanted = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > 65535) throw new Error(`PORT=${process.env.PORT} is not a port number`);
  if (await portIsFree(wanted)) return wanted;
  const [port] = await freePortBlock(1);
  console.log(`Port ${wanted} is busy; using ${port}.`);
  return port;
}

class Server {
  private lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    const log = createWriteStream(SERVER_LOG, { flags: 'a' });
    const keep = (chunk: Buffer): void => {
      log.write(chunk);
      // Only the tail is kept in memory, for the error message if the server dies.
      this.lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      if (this.lines.length > TAIL_LINES) this.lines = this.lines.slice(-TAIL_LINES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        log.end();
        resolve({ code, signal });
      });
    });
  }

  static start(port: number): Server {
    const env: NodeJS.ProcessEnv = { ...process.env, RINGSIDE_CONFIG: CONFIG_FILE, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' };
    delete env.PORT; // next would otherwise see two port settings
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'next'), ['start', '-H', '127.0.0.1', '-p', String(port)], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Server(child, `http://127.0.0.1:${port}`);
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(): string {
    return this.lines.length ? this.lines.join('\n') : '(no output)';
  }

  /** Resolves once /api/healthz answers 200; rejects if the server exits or times out first. */
  async waitReady(): Promise<void> {
    const deadline = Date.now() + SERVER_READY_MS;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error('the Ringside server exited while starting');
      try {
        const res = await fetch(`${this.url}/api/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`the Ringside server did not answer /api/healthz within ${SERVER_READY_MS / 1000} s`);
  }

  /** SIGTERM by PID, SIGKILL after a bound. */
  async stop(): Promise<void> {
    if (!this.running || this.pid === null) return;
    const pid = this.pid;
    const signal = (sig: NodeJS.Signals): void => {
      try {
        if (this.running) process.kill(pid, sig);
      } catch {
        // exited between the check and the signal
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), STOP_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- banner

function banner(server: Server, ring: EtcdRing, leader: string | null): string {
  const eps = ring.members.map((m) => m.clientURL).join(',');
  const pad = Math.max(...ring.members.map((m) => m.name.length + (m.name === leader ? 9 : 0)));
  const row = (m: MemberHandle): string =>
    `  ${`${m.name}${m.name === leader ? ' (leader)' : ''}`.padEnd(pad)}  ${m.clientURL}  pid ${String(m.pid).padEnd(7)}  log ${rel(m.logFile)}`;
  const follower = ring.members.find((m) => m.name !== leader) ?? ring.members[0];
  const leaderPid = ring.members.find((m) => m.name === leader)?.pid;
  return [
    '',
    `Ringside is running at ${server.url}`,
    '',
    `etcd ring "${CLUSTER}" (3 members on 127.0.0.1):`,
    ...ring.members.map(row),
    `Ringside server: pid ${server.pid}, log ${rel(SERVER_LOG)}, config ${rel(CONFIG_FILE)}`,
    '',
    'Things to try:',
    `  kill -9 ${follower.pid}                # crash ${follower.name}: it turns red within ~1 s`,
    ...(leaderPid ? [`  kill -9 ${leaderPid}                # crash the leader: watch the election`] : []),
    `  kill -STOP ${follower.pid}; sleep 5; kill -CONT ${follower.pid}   # hang ${follower.name} for 5 s`,
    `  Sign in (top right) as ${OPERATOR} / ${PASSWORD} to act: snapshots, defragment, move the leader,`,
    `  and after a kill -9, "Replace a member" walks you through remove, add, start, promote, verify.`,
    `  Kill two members (quorum lost): Backups, "Disaster restore" restores every member from a backup.`,
    `  etcdctl --endpoints=${eps} put hello world`,
    `  etcdctl --endpoints=${eps} endpoint status -w table`,
    '',
    process.env.RINGSIDE_DEMO_LOAD === '0'
      ? 'No background writes (RINGSIDE_DEMO_LOAD=0).'
      : `A small write load (${1000 / LOAD_EVERY_MS} puts a second, like a control plane's lease renewals) keeps the charts moving.`,
    `Ringside's own Prometheus metrics: ${server.url}/api/metrics`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- lifecycle

let ring: EtcdRing | null = null;
let launcher: Launcher | null = null;
let server: Server | null = null;
let stopping = false;

/**
 * One member at a time, followers first. A leader that gets SIGTERM hands its leadership to
 * a peer first; when the peers are stopping too it waits for that until close() SIGKILLs it
 * 5 s later. A lone leader, or a follower, exits in a few ms.
 */
async function stopRing(r: EtcdRing): Promise<void> {
  const leader = await r.leaderName().catch(() => null);
  const order = [...r.members.filter((m) => m.name !== leader), ...r.members.filter((m) => m.name === leader)];
  for (const m of order) await r.stop(m.name);
  await r.close(); // releases ports, removes data dirs
}

/** Stops the server and the ring (each by PID), removes the demo dir on success, exits. */
async function shutdown(code: number): Promise<never> {
  stopping = true;
  stopLoad();
  await launcher?.close().catch(() => undefined);
  await server?.stop().catch((e: unknown) => console.error('stopping the server:', e));
  if (ring) await stopRing(ring).catch((e: unknown) => console.error('stopping the ring:', e));
  // A failed run keeps next.log for a look; RINGSIDE_KEEP_RING=1 keeps the ring's data too.
  if (code === 0 && process.env.RINGSIDE_KEEP_RING !== '1') rmSync(DEMO_DIR, { recursive: true, force: true });
  else rmSync(STATE_FILE, { force: true });
  process.exit(code);
}

function onSignal(sig: NodeJS.Signals): void {
  if (stopping) return;
  console.log(`\n${sig}: stopping the Ringside server and the etcd ring ...`);
  void shutdown(0);
}

/** A server that dies on its own takes the demo down with it, loudly. */
async function watchServer(s: Server): Promise<void> {
  const { code, signal } = await s.exited;
  // Ctrl-C reaches the whole process group, so the server may exit a moment before our
  // own SIGINT handler has run: give it that moment before calling this a crash.
  await sleep(200);
  if (stopping) return;
  console.error(`\nThe Ringside server exited (${signal ?? `code ${code}`}). Its last output:\n${s.tail()}`);
  await shutdown(1);
}

async function main(): Promise<void> {
  ensureEtcd();
  ensureBuild();
  reapLeftovers();
  // Registered before the ring starts so that ours runs first (the harness adds its own).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => onSignal(sig));
  writeState({ demoPid: process.pid, serverPid: null, etcdPids: [] });

  console.log('Starting a 3-member etcd ring ...');
  ring = await EtcdRing.start({ size: 3, corruptionChecks: true, baseDir: DEMO_DIR });
  writeState({ demoPid: process.pid, serverPid: null, etcdPids: ring.members.flatMap((m) => (m.pid ? [m.pid] : [])) });
  const etcdPids = () => ring!.members.flatMap((m) => (m.pid ? [m.pid] : []));
  // Members the wizard starts are recorded too, so a killed demo's next run can reap them.
  launcher = await startLauncher(ring, () => writeState({ demoPid: process.pid, serverPid: server?.pid ?? null, etcdPids: etcdPids() }));
  writeFileSync(CONFIG_FILE, configYaml(ring, await hashPassword(PASSWORD), launcher.url));

  const port = await choosePort();
  console.log(`Starting Ringside on 127.0.0.1:${port} ...`);
  server = Server.start(port);
  writeState({ demoPid: process.pid, serverPid: server.pid, etcdPids: ring.members.flatMap((m) => (m.pid ? [m.pid] : [])) });
  void watchServer(server);
  await server.waitReady();

  stopLoad = startLoad(ring);

  if (checkMode) {
    const target = { url: server.url, cluster: CLUSTER, members: 3 };
    await checkRing(target);
    console.log(`OK: ${server.url}/api/clusters/${CLUSTER}/ring shows 3 reachable members and a leader`);
    await checkHistory(target);
    console.log(`OK: ${server.url}/api/clusters/${CLUSTER}/history has WAL fsync p99 from every member's /metrics`);
    await checkSignIn(target, OPERATOR, PASSWORD);
    console.log(`OK: ${OPERATOR} signs in as an operator`);
    await shutdown(0);
  }
  console.log(banner(server, ring, await ring.leaderName().catch(() => null)));
}

main().catch(async (e: unknown) => {
  if (stopping) return;
  console.error(`\nDemo failed: ${e instanceof Error ? e.message : String(e)}`);
  if (server && !server.running) console.error(`Server output:\n${server.tail()}`);
  await shutdown(1);
});
