// A throwaway PostgreSQL for tests: Debian's server binaries, a fresh data directory under the
// system temp dir, listening on 127.0.0.1 only (and a socket in that directory), trust
// authentication. initdb refuses to run as root, so as root the cluster belongs to the
// `postgres` user the package creates. Stopped by its postmaster's PID; everything is removed
// even when starting fails half-way.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortBlock, releasePorts } from './ports';

/** Debian's server binaries: /usr/lib/postgresql/<major>/bin, the newest installed. */
export function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirSync(base).filter((d) => /^\d+$/.test(d) && existsSync(path.join(base, d, 'bin', 'initdb'))) : [];
  if (!majors.length) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (scripts/test-all.sh installs it)');
  return path.join(base, majors.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

export interface Postgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  /** A new empty database, for a test that wants its own. */
  createDatabase(name: string): Promise<string>;
  /** SQL through psql (as the superuser), for assertions. Returns stdout. */
  sql(query: string, database?: string): string;
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** Runs a server binary as the cluster's owner: `postgres` when we are root, else ourselves. */
function run(bin: string, args: string[]): ChildProcess {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function runSync(bin: string, args: string[]): string {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The first line of postmaster.pid: the server's PID, once it runs. */
function postmasterPid(data: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-pg-'));
  const data = path.join(dir, 'data');
  const [port] = await freePortBlock(1);
  let postmaster: ChildProcess | null = null;
  let out = '';
  const cleanup = async () => {
    if (postmaster && postmaster.exitCode === null && postmaster.signalCode === null) {
      const exited = new Promise((r) => postmaster!.once('exit', r));
      // The postmaster's own PID (under runuser it is not our child's): SIGINT is PostgreSQL's
      // "fast" shutdown (clients disconnected, clean exit); SIGKILL if it does not go in 10 s.
      const pid = postmasterPid(data) ?? postmaster.pid!;
      signal(pid, 'SIGINT');
      const t = setTimeout(() => {
        signal(pid, 'SIGKILL');
        postmaster!.kill('SIGKILL');
      }, 10_000);
      await exited;
      clearTimeout(t);
    }
    releasePorts([port]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
      chmodSync(dir, 0o700);
    }
    runSync(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // The postmaster itself (not pg_ctl): its PID is the one we stop. fsync off: a test database.
    postmaster = run(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100']);
    postmaster.stdout!.on('data', (d) => (out += d));
    postmaster.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (postmaster.exitCode !== null) throw new Error(`postgres exited with ${postmaster.exitCode}:\n${out}`);
      try {
        execFileSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { stdio: 'ignore' });
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections in 30 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  // A test run that dies without its afterAll still leaves no server behind (the directory goes
  // with the next tmp cleanup).
  const serverPid = postmasterPid(data);
  process.once('exit', () => serverPid && signal(serverPid, 'SIGKILL'));
  const psql = existsSync(path.join(bin, 'psql')) ? path.join(bin, 'psql') : 'psql';
  const sql = (query: string, database = 'postgres') =>
    execFileSync(psql, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-At', '-v', 'ON_ERROR_STOP=1', '-c', query], { encoding: 'utf8' });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    sql,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      sql(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop: cleanup,
  };
}
