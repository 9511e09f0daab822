import 'server-only';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { MemberClient } from '../etcd/client';

/**
 * A single-member etcd restored from a snapshot file, on 127.0.0.1, for a restore drill: a new
 * cluster of its own (its own --initial-cluster and token), so it can never reach or join the
 * ring the snapshot came from. Ports are probed free below the ephemeral range (Linux hands
 * ports from 32768 up to outgoing connections at any moment, see ETCD.md); a start that still
 * loses its port to a race is retried on others.
 *
 * The member is stopped by its own PID (SIGTERM, then SIGKILL), never by name; if Ringside
 * itself exits first, an exit hook SIGKILLs every throwaway member still running.
 */

export type RestoreTool = { kind: 'etcdctl' | 'etcdutl'; path: string };

export interface ThrowawayMember {
  endpoint: string;
  pid: number;
  /** SIGTERM, SIGKILL after a bound; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** A failure of one drill stage, in words: `stage` says which. */
export class DrillStageError extends Error {
  constructor(
    readonly stage: 'restore' | 'start',
    message: string,
  ) {
    super(message);
  }
}

const NAME = 'ringside-drill';
const START_ATTEMPTS = 3;
const STOP_MS = 5_000;
const GIB = 1024 ** 3;

export async function restoreAndStart(o: {
  snapshot: string;
  /** A private directory for this drill; data dirs and logs go inside. */
  dir: string;
  tool: RestoreTool;
  etcd: string;
  /** Plain snapshot size: the backend quota must hold it. */
  dbSize: number;
  restoreTimeoutMs: number;
  startTimeoutMs: number;
}): Promise<ThrowawayMember> {
  for (let attempt = 1; ; attempt++) {
    const [client, peer] = await freeLoopbackPorts(2);
    const peerURL = `http://127.0.0.1:${peer}`;
    const dataDir = path.join(o.dir, `data-${attempt}`);
    await restore(o, dataDir, peerURL);
    const log = path.join(o.dir, `etcd-${attempt}.log`);
    // The default quota is 2 GiB: a bigger db would start with a NOSPACE alarm. etcd warns above 8 GiB.
    const quota = Math.min(8 * GIB, Math.max(2 * GIB, 2 * o.dbSize));
    const endpoint = `http://127.0.0.1:${client}`;
    const child = launch(o.etcd, log, [
      `--name=${NAME}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peerURL}`,
      `--initial-advertise-peer-urls=${peerURL}`,
      `--initial-cluster=${NAME}=${peerURL}`,
      `--quota-backend-bytes=${quota}`,
      '--logger=zap',
      `--log-outputs=${log}`,
    ]);
    const served = await waitServing(child, endpoint, o.startTimeoutMs);
    if (served === true) return { endpoint, pid: child.pid!, stop: () => stop(child) };
    await stop(child);
    const why = await lastError(log);
    if (/address already in use/.test(why) && attempt < START_ATTEMPTS) continue;
    throw new DrillStageError('start', served === 'exited' ? `the restored member exited before serving: ${why}` : `the restored member did not serve within ${o.startTimeoutMs / 1000} s${why ? ` (last error: ${why})` : ''}`);
  }
}

/** `etcdctl snapshot restore` (3.4) or `etcdutl snapshot restore` (3.5+) into a new data dir. */
function restore(o: { snapshot: string; tool: RestoreTool; restoreTimeoutMs: number }, dataDir: string, peerURL: string): Promise<void> {
  const args = [
    'snapshot',
    'restore',
    o.snapshot,
    `--name=${NAME}`,
    `--data-dir=${dataDir}`,
    `--initial-cluster=${NAME}=${peerURL}`,
    `--initial-advertise-peer-urls=${peerURL}`,
    `--initial-cluster-token=${NAME}-${randomBytes(6).toString('hex')}`,
  ];
  const env = { ...cleanEnv(), ...(o.tool.kind === 'etcdctl' ? { ETCDCTL_API: '3' } : {}) };
  return new Promise((resolve, reject) => {
    execFile(o.tool.path, args, { env, timeout: o.restoreTimeoutMs, maxBuffer: 4 << 20 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const detail = err.killed ? `killed after ${o.restoreTimeoutMs / 1000} s` : lastLine(stderr) || err.message.split('\n')[0];
      reject(new DrillStageError('restore', `${o.tool.kind} snapshot restore failed: ${detail}`));
    });
  });
}

// ---------------------------------------------------------------- processes

const live = new Set<ChildProcess>();
let exitHook = false;

function launch(etcd: string, log: string, args: string[]): ChildProcess {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) if (c.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
  const errFd = openSync(`${log}.stderr`, 'a', 0o600);
  try {
    const child = spawn(etcd, args, { stdio: ['ignore', 'ignore', errFd], env: cleanEnv() });
    live.add(child);
    child.once('exit', () => live.delete(child));
    child.once('error', () => live.delete(child));
    return child;
  } finally {
    closeSync(errFd); // the child has its own copy
  }
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

async function stop(child: ChildProcess): Promise<void> {
  if (!child.pid || exited(child)) return;
  const gone = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid && !exited(child)) process.kill(child.pid, 'SIGKILL');
  }, STOP_MS);
  await gone;
  clearTimeout(timer);
}

/** true once the member answers a status call; 'exited' when it died first; 'timeout'. */
async function waitServing(child: ChildProcess, endpoint: string, timeoutMs: number): Promise<true | 'exited' | 'timeout'> {
  let spawnFailed = false;
  child.once('error', () => (spawnFailed = true));
  const client = new MemberClient(endpoint, undefined, 1000);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (spawnFailed || exited(child)) return 'exited';
      try {
        await client.status(1000);
        return true;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return 'timeout';
  } finally {
    client.close();
  }
}

/** etcd and etcdctl read ETCD_* and ETCDCTL_* behind our back: none of Ringside's own may leak into a drill. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD'))) as NodeJS.ProcessEnv;
}

/** The last error etcd logged (zap JSON: msg and error), else the last stderr line. */
async function lastError(log: string): Promise<string> {
  const lines = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').slice(-50).reverse();
  for (const line of lines) {
    try {
      const j = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      if (j.level === 'fatal' || j.level === 'panic' || j.level === 'error') return `${j.msg}${j.error ? `: ${j.error}` : ''}`;
    } catch {
      // not JSON
    }
  }
  let stderr = '';
  try {
    stderr = readFileSync(`${log}.stderr`, 'utf8');
  } catch {
    // none
  }
  return lastLine(stderr);
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 300) ?? '';
}

// ---------------------------------------------------------------- ports

const LOW = 10_000;

function ephemeralLow(): number {
  try {
    const n = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(n) && n > LOW + 1000) return Math.min(n, 32768);
  } catch {
    // not Linux: assume its default
  }
  return 32768;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** `count` distinct ports free on 127.0.0.1 right now, below the ephemeral range. */
async function freeLoopbackPorts(count: number): Promise<number[]> {
  const high = ephemeralLow();
  const out: number[] = [];
  for (let tries = 0; out.length < count && tries < 200; tries++) {
    const p = LOW + Math.floor(Math.random() * (high - LOW));
    if (!out.includes(p) && (await portIsFree(p))) out.push(p);
  }
  if (out.length < count) throw new DrillStageError('start', `no free port below ${high} on 127.0.0.1 for the throwaway member`);
  return out;
}
