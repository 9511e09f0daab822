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
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
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

/** Current size of a log, so a later wait only looks at what is written after it. */
const mark = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

async function waitForLog(file: string, re: RegExp, timeoutMs: number, from = 0): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file) && re.test(readFileSync(file).subarray(from).toString('utf8'))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(200);
  }
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
  const ring = await EtcdRing.start({ corruptionChecks: true, extraFlags: flagsFor(logger) });
  const log = (name: string): string => logOf(ring, name, logger);
  const followers = async (): Promise<string[]> => {
    const leader = await leaderOrThrow(ring);
    return ring.members.filter((m) => m.running && m.name !== leader).map((m) => m.name);
  };
  try {
    await scenario(`${logger} start`, async () => {
      // --snapshot-count=10: enough writes for a v2 snapshot, without which 3.4's initial
      // check has no peers to compare with.
      for (let i = 0; i < 25; i++) await put(ring, `warmup/${i}`, `v${i}`);
      const leader = await leaderOrThrow(ring);
      const seen = await waitForLog(log(leader), /finished peer corruption check/, 12_000);
      return `leader ${leader}, periodic check finished: ${seen}`;
    });

    await scenario(`${logger} leader kill and re-election`, async () => {
      const old = await leaderOrThrow(ring);
      await ring.kill(old);
      let next: string | null = null;
      await ring.waitFor(async () => (next = await ring.leaderName()) !== null && next !== old, { what: 'a new leader', timeoutMs: 15_000 });
      await ring.restart(old); // runs the initial corruption check against the survivors
      return `${old} killed, ${next} elected, ${old} back`;
    });

    await scenario(`${logger} slow leader (heartbeat, slow read)`, async () => {
      const leader = await leaderOrThrow(ring);
      const [follower] = await followers();
      const from = mark(log(leader));
      ring.freeze(leader);
      // A linearizable read on a follower waits for the frozen leader's read index.
      const read = ring.etcdctl(['get', 'warmup/1', '--command-timeout=5s'], { endpoints: [ring.member(follower).clientURL] });
      await sleep(400);
      ring.thaw(leader);
      await read;
      return `heartbeat warning: ${await waitForLog(log(leader), /heartbeat on time/, 3000, from)}`;
    });

    await scenario(`${logger} slow fdatasync`, async () => {
      const [follower] = await followers();
      const from = mark(log(follower));
      const load = writeLoad(ring.endpoints());
      try {
        // A SIGSTOP that lands inside fdatasync makes that one sync take longer than 1 s.
        for (let attempt = 1; attempt <= 12; attempt++) {
          await sleep(300);
          ring.freeze(follower);
          await sleep(1200);
          ring.thaw(follower);
          if (await waitForLog(log(follower), /slow fdatasync|sync duration/, 500, from)) return `after ${attempt} freezes of ${follower}`;
        }
        return 'never landed inside fdatasync';
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
      // Right after a promotion etcd refuses to remove a healthy voter ("unhealthy cluster") for ~5 s.
      await ring.waitFor(async () => (await ring.etcdctl(['member', 'remove', id])).code === 0, {
        what: `remove ${name}`,
        timeoutMs: 20_000,
        intervalMs: 500,
      });
      await ring.waitFor(() => !ring.member(name).running, { what: `${name} to exit`, timeoutMs: 10_000 }).catch(() => ring.stop(name));
      // A removed member started again on its old data dir is told it is gone.
      const again = await ring.restart(name).then(
        () => 'started (unexpected)',
        () => 'refused to start',
      );
      await ring.stop(name);
      return `${name} (${id}) removed; restarted on its old data dir it ${again}`;
    });

    await scenario(`${logger} initial check against a compacted ring`, async () => {
      const [victim] = await followers();
      // Two versions of one key, so a compaction changes what HashKV covers.
      await put(ring, 'ringside/compact-me', 'one');
      await put(ring, 'ringside/compact-me', 'two');
      await ring.stop(victim);
      const rev = await currentRevision(ring);
      await ring.etcdctl(['compact', String(rev)]);
      let from = mark(log(victim));
      await ring.restart(victim);
      const different = await waitForLog(log(victim), /different compact revision|cannot check hash of peer/, 3000, from);
      // Now the victim is behind a compaction the others have made since.
      await ring.stop(victim);
      for (let i = 0; i < 3; i++) await put(ring, 'ringside/compact-me', `three-${i}`);
      await ring.etcdctl(['compact', String(await currentRevision(ring))]);
      from = mark(log(victim));
      await ring.restart(victim);
      const behind = await waitForLog(log(victim), /local member is behind|local node is lagging behind/, 3000, from);
      return `different compact revision: ${different}; local member behind: ${behind}`;
    });

    await scenario(`${logger} initial check against a lagging peer`, async () => {
      // The checking member is ahead of a peer that cannot catch up (no quorum without it).
      const leader = await leaderOrThrow(ring);
      const [lagging, checker] = await followers();
      await ring.stop(lagging);
      for (let i = 0; i < 5; i++) await put(ring, `ringside/ahead/${i}`, 'x');
      await ring.stop(checker);
      await ring.kill(leader);
      const laggingUp = ring.restart(lagging).catch(() => undefined); // serves peers, cannot elect alone
      await sleep(1500);
      const from = mark(log(checker));
      await ring.restart(checker);
      await laggingUp;
      await ring.restart(leader);
      return `slow remote peer: ${await waitForLog(log(checker), /slow remote peer|peer is lagging behind/, 3000, from)}`;
    });

    if (logger === 'zap') {
      // capnslog logs this failure at debug level only, so it is a zap-only line.
      await scenario(`${logger} periodic check cannot finish`, async () => {
        const leader = await leaderOrThrow(ring);
        const others = await followers();
        // Freeze both followers just before the leader's next 5 s check: its hash requests and
        // its linearizable read both time out.
        let from = mark(log(leader));
        if (!(await waitForLog(log(leader), /finished peer corruption check/, 8000, from))) throw new Error('no periodic check');
        await sleep(4600);
        from = mark(log(leader));
        for (const f of others) ring.freeze(f);
        try {
          return `failed to check hash KV: ${await waitForLog(log(leader), /failed to check hash KV/, 30_000, from)}`;
        } finally {
          for (const f of others) ring.thaw(f);
          await leaderOrThrow(ring);
        }
      });
    }

    await scenario(`${logger} corruption`, async () => {
      await put(ring, 'ringside/corrupt-me', VALUE_A);
      await sleep(1000);
      const leader = await leaderOrThrow(ring);
      const [victim] = await followers();
      await ring.stop(victim);
      const db = path.join(ring.member(victim).dataDir, 'member', 'snap', 'db');
      const patched = overwriteAll(db, VALUE_A, 'B'.repeat(64));
      const withCheck = await ring.restart(victim).then(
        () => 'started (unexpected)',
        () => 'refused to start',
      );
      const from = mark(log(leader));
      await ring.restart(victim, ['--experimental-initial-corrupt-check=false']);
      const alarm = await waitForLog(log(leader), /"alarm":"CORRUPT"|alarm CORRUPT raised/, 15_000, from);
      return `${patched} copies patched on ${victim}; with the initial check it ${withCheck}; without, CORRUPT raised: ${alarm}`;
    });

    await scenario(`${logger} unreadable db (panic)`, async () => {
      const [victim] = await followers();
      await ring.stop(victim);
      // Zeroing both bbolt meta pages makes bolt.Open fail, and etcd 3.4 panics on that.
      const fd = openSync(path.join(ring.member(victim).dataDir, 'member', 'snap', 'db'), 'r+');
      try {
        writeSync(fd, Buffer.alloc(8192), 0, 8192, 0);
      } finally {
        closeSync(fd);
      }
      const r = await ring.restart(victim, ['--experimental-initial-corrupt-check=false']).then(
        () => 'started (unexpected)',
        () => 'refused to start',
      );
      return `${victim} ${r}`;
    });
  } finally {
    saveLogs(ring, logger);
    await ring.close();
  }
}

async function runNospace(logger: Logger): Promise<void> {
  const ring = await EtcdRing.start({ size: 1, name: 'q', extraFlags: [...flagsFor(logger), '--quota-backend-bytes=1048576'] });
  try {
    await scenario(`${logger} NOSPACE`, async () => {
      // Concurrent writers, so some requests pass the gRPC quota check and are refused only at
      // apply time: that path logs "message exceeded backend quota; raising alarm".
      const client = new Etcd3({ hosts: ring.endpoints(), faultHandling: { host: () => noop, global: noop } });
      let refused = 0;
      try {
        await Promise.all(
          Array.from({ length: 16 }, async (_, w) => {
            for (let i = 0; i < 30 && refused < 50; i++) {
              await client.put(`big/${w}/${i}`).value('x'.repeat(60_000)).catch(() => refused++);
            }
          }),
        );
      } finally {
        client.close();
      }
      const apply = await waitForLog(logOf(ring, 'q1', logger), /exceeded backend quota/, 1000);
      return `${refused} writes refused; apply-time quota line: ${apply}`;
    });
  } finally {
    saveLogs(ring, `${logger}-nospace`);
    await ring.close();
  }
}

async function currentRevision(ring: EtcdRing): Promise<number> {
  const r = await ring.etcdctl(['endpoint', 'status', '-w', 'json']);
  const st = parseJsonBig(r.stdout) as { Status: { header: { revision: number | string } } }[];
  return Math.max(...st.map((s) => Number(s.Status.header.revision)));
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
  if (!process.argv.includes('--curate-only')) {
    for (const logger of ['zap', 'capnslog'] as const) {
      await runRing(logger);
      await runNospace(logger);
    }
    writeFileSync(path.join(RAW, 'outcomes.txt'), `${version}\n${outcomes.join('\n')}\n`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
