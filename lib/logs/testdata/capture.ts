// Makes the real etcd log fixtures in this folder: runs etcd 3.4 rings through the harness,
// provokes each kind of log line Ringside classifies, keeps every raw log, then curates one
// line per distinct message into etcd-3.4.23.log (zap JSON, plus the Go panic text from
// stderr) and etcd-3.4.23-capnslog.log (the same scenarios with 3.4's default text logger).
//
//   npx tsx lib/logs/testdata/capture.ts [rawDir]
//
// rawDir (default: a fresh temp dir) keeps the complete logs for a look. Takes about
// two minutes. Scenarios that fail are reported and skipped, so the fixtures always show
// what the installed etcd really printed; `etcd --version` is recorded at the top.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { noop } from 'cockatiel';
import { EtcdRing, parseJsonBig } from '../../../e2e/harness/ring';

type Logger = 'zap' | 'capnslog';

const RAW = path.resolve(process.argv[2] ?? mkdtempSync(path.join(os.tmpdir(), 'ringside-logs-')));
const VALUE_A = 'A'.repeat(64);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const outcomes: string[] = [];

/** Log file a member writes with this logger: capnslog only writes to stderr in 3.4. */
const logOf = (ring: EtcdRing, name: string, logger: Logger): string =>
  logger === 'zap' ? ring.member(name).logFile : `${ring.member(name).logFile}.stderr`;

const flagsFor = (logger: Logger): string[] => (logger === 'zap' ? [] : ['--logger=capnslog', '--log-outputs=stderr']);

async function waitForLog(file: string, re: RegExp, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file) && re.test(readFileSync(file, 'utf8'))) return true;
    await sleep(200);
  }
  return false;
}

async function scenario(label: string, fn: () => Promise<string>): Promise<void> {
  const t = Date.now();
  try {
    outcomes.push(`ok    ${label}: ${await fn()} (${Date.now() - t} ms)`);
  } catch (err) {
    outcomes.push(`FAIL  ${label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  console.log(outcomes[outcomes.length - 1]);
}

async function put(ring: EtcdRing, key: string, value: string): Promise<void> {
  const r = await ring.etcdctl(['put', key, value]);
  if (r.code !== 0) throw new Error(`put ${key}: ${r.stderr.trim()}`);
}

async function memberIdHex(ring: EtcdRing, name: string): Promise<string> {
  const r = await ring.etcdctl(['member', 'list', '-w', 'json']);
  const members = (parseJsonBig(r.stdout) as { members?: { ID: string; name: string; peerURLs: string[] }[] }).members ?? [];
  const peerURL = ring.member(name).peerURL;
  const m = members.find((x) => x.name === name || x.peerURLs.includes(peerURL));
  if (!m) throw new Error(`${name} not in member list`);
  return BigInt(m.ID).toString(16);
}

async function leaderOrThrow(ring: EtcdRing): Promise<string> {
  let leader: string | null = null;
  await ring.waitFor(async () => (leader = await ring.leaderName()) !== null, { what: 'a leader', timeoutMs: 15_000 });
  return leader!;
}

/** A write load from many concurrent clients, so the WAL spends much of its time in fdatasync. */
function writeLoad(endpoints: string[]): { stop(): Promise<void> } {
  const client = new Etcd3({ hosts: endpoints, faultHandling: { host: () => noop, global: noop } });
  let running = true;
  const workers = Array.from({ length: 32 }, async (_, w) => {
    for (let i = 0; running; i++) {
      await client.put(`load/${w}/${i % 50}`).value('x'.repeat(512)).catch(() => undefined);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      client.close();
    },
  };
}

async function runRing(logger: Logger): Promise<void> {
  const ring = await EtcdRing.start({
    corruptionChecks: true,
    extraFlags: flagsFor(logger),
  });
  const log = (name: string): string => logOf(ring, name, logger);
  try {
    await scenario(`${logger} start`, async () => {
      // --snapshot-count=10: enough writes for a v2 snapshot, without which 3.4's initial
      // check has no peers to compare with.
      for (let i = 0; i < 25; i++) await put(ring, `warmup/${i}`, `v${i}`);
      const leader = await leaderOrThrow(ring);
      const seen = await waitForLog(log(leader), /finished peer corruption check|no corruption|corruption check/, 12_000);
      return `leader ${leader}, periodic check line seen: ${seen}`;
    });

    await scenario(`${logger} leader kill and re-election`, async () => {
      const old = await leaderOrThrow(ring);
      await ring.kill(old);
      let next: string | null = null;
      await ring.waitFor(async () => (next = await ring.leaderName()) !== null && next !== old, { what: 'a new leader', timeoutMs: 15_000 });
      await ring.restart(old); // initial corruption check runs against the new leader
      return `${old} killed, ${next} elected, ${old} back`;
    });

    await scenario(`${logger} slow leader (heartbeat, slow read)`, async () => {
      const leader = await leaderOrThrow(ring);
      const follower = ring.members.find((m) => m.running && m.name !== leader)!;
      ring.freeze(leader);
      // A linearizable read on a follower waits for the frozen leader's read index.
      const read = ring.etcdctl(['get', 'warmup/1', '--command-timeout=5s'], { endpoints: [follower.clientURL] });
      await sleep(400);
      ring.thaw(leader);
      await read;
      const hb = await waitForLog(log(leader), /heartbeat on time/, 3000);
      return `heartbeat warning seen: ${hb}`;
    });

    await scenario(`${logger} slow fdatasync`, async () => {
      const leader = await leaderOrThrow(ring);
      const follower = ring.members.find((m) => m.running && m.name !== leader)!.name;
      const load = writeLoad(ring.endpoints());
      try {
        // A SIGSTOP that lands inside fdatasync makes that sync take longer than 1 s.
        for (let attempt = 1; attempt <= 12; attempt++) {
          await sleep(300);
          ring.freeze(follower);
          await sleep(1200);
          ring.thaw(follower);
          if (await waitForLog(log(follower), /slow fdatasync|sync duration/, 500)) return `after ${attempt} freezes of ${follower}`;
        }
        return 'never hit fdatasync (line must be constructed)';
      } finally {
        await load.stop();
      }
    });

    await scenario(`${logger} learner add, promote`, async () => {
      const m = await ring.addMember({ learner: true });
      const id = await memberIdHex(ring, m.name);
      await ring.waitFor(async () => (await ring.etcdctl(['member', 'promote', id])).code === 0, {
        what: `promote ${m.name}`,
        timeoutMs: 20_000,
        intervalMs: 500,
      });
      return `${m.name} (${id}) added as learner and promoted`;
    });

    await scenario(`${logger} member removal`, async () => {
      const name = ring.members[ring.members.length - 1].name;
      const id = await memberIdHex(ring, name);
      const r = await ring.etcdctl(['member', 'remove', id]);
      if (r.code !== 0) throw new Error(`member remove: ${r.stderr.trim()}`);
      await ring.waitFor(() => !ring.member(name).running, { what: `${name} to exit`, timeoutMs: 10_000 }).catch(() => ring.stop(name));
      // A removed member started again on its old data dir is told it is gone.
      const again = await ring.restart(name).then(
        () => 'restarted (unexpected)',
        () => 'refused to start',
      );
      await ring.stop(name);
      return `${name} (${id}) removed; on restart it ${again}`;
    });

    await scenario(`${logger} corruption`, async () => {
      await put(ring, 'ringside/corrupt-me', VALUE_A);
      await sleep(1000);
      const leader = await leaderOrThrow(ring);
      const victim = ring.members.find((m) => m.running && m.name !== leader && /^m[123]$/.test(m.name))!.name;
      await ring.stop(victim);
      const db = path.join(ring.member(victim).dataDir, 'member', 'snap', 'db');
      const patched = overwriteAll(db, VALUE_A, 'B'.repeat(64));
      const withCheck = await ring.restart(victim).then(
        () => 'started (unexpected)',
        () => 'refused to start',
      );
      await ring.restart(victim, ['--experimental-initial-corrupt-check=false']);
      const alarm = await waitForLog(log(leader), /alarm raised|CORRUPT|corrupt/, 15_000);
      return `${patched} copies patched on ${victim}; with initial check: ${withCheck}; periodic check raised alarm: ${alarm}`;
    });

    await scenario(`${logger} unreadable db (panic)`, async () => {
      const victim = ring.members.find((m) => m.running && !ring.member(m.name).name.startsWith('x') && m.name !== 'm1')!.name;
      await ring.stop(victim);
      // Zeroing both bbolt meta pages makes bolt.Open fail; etcd 3.4 panics on that.
      const db = path.join(ring.member(victim).dataDir, 'member', 'snap', 'db');
      const fd = openSync(db, 'r+');
      try {
        writeSync(fd, Buffer.alloc(8192), 0, 8192, 0);
      } finally {
        closeSync(fd);
      }
      const r = await ring.restart(victim, ['--experimental-initial-corrupt-check=false']).then(
        () => 'started (unexpected)',
        () => 'refused to start',
      );
      return `${victim}: ${r}`;
    });
  } finally {
    saveLogs(ring, logger);
    await ring.close();
  }
}

async function runNospace(logger: Logger): Promise<void> {
  const ring = await EtcdRing.start({
    size: 1,
    extraFlags: [...flagsFor(logger), '--quota-backend-bytes=1048576'],
    name: 'q',
  });
  try {
    await scenario(`${logger} NOSPACE`, async () => {
      for (let i = 0; i < 200; i++) {
        const r = await ring.etcdctl(['put', `big/${i}`, 'x'.repeat(100_000)]);
        if (r.code !== 0) return `write ${i} refused: ${r.stderr.trim().split('\n')[0]}`;
      }
      throw new Error('quota never exceeded');
    });
  } finally {
    saveLogs(ring, `${logger}-nospace`);
    await ring.close();
  }
}

/** Copies every member's logs to RAW/<set>/ before close() deletes the ring's dirs. */
function saveLogs(ring: EtcdRing, set: string): void {
  const dir = path.join(RAW, set);
  mkdirSync(dir, { recursive: true });
  for (const m of ring.members) {
    for (const f of [m.logFile, `${m.logFile}.stderr`]) {
      if (existsSync(f)) copyFileSync(f, path.join(dir, `${m.name}.${path.basename(f)}`));
    }
  }
}

/** Overwrites every occurrence of `from` in `file` in place; returns how many. */
function overwriteAll(file: string, from: string, to: string): number {
  const buf = readFileSync(file);
  const needle = Buffer.from(from);
  const fd = openSync(file, 'r+');
  let n = 0;
  try {
    for (let at = buf.indexOf(needle); at !== -1; at = buf.indexOf(needle, at + needle.length)) {
      writeSync(fd, Buffer.from(to), 0, to.length, at);
      n++;
    }
  } finally {
    closeSync(fd);
  }
  if (n === 0) throw new Error(`value not found in ${file}`);
  return n;
}

async function main(): Promise<void> {
  mkdirSync(RAW, { recursive: true });
  const version = execFileSync('etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  console.log(`${version}; raw logs in ${RAW}`);
  for (const logger of ['zap', 'capnslog'] as const) {
    await runRing(logger);
    await runNospace(logger);
  }
  writeFileSync(path.join(RAW, 'outcomes.txt'), `${version}\n${outcomes.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
