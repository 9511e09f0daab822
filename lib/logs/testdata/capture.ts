// Makes the real etcd log fixtures in this folder. Runs etcd 3.4 rings through the test
// harness, provokes each kind of line Ringside classifies, keeps every raw log, then keeps one
// line per distinct message (IDs, numbers and paths blanked out to compare) in
//   etcd-3.4.23.log           --logger=zap: JSON lines as etcd wrote them, then what the same
//                             members wrote to stderr (capnslog-format /health warnings, a Go panic)
//   etcd-3.4.23-capnslog.log  the same scenarios under 3.4's default logger: capnslog text,
//                             raft's Go-log lines, grpc-go lines, a Go panic
//
//   npx tsx lib/logs/testdata/capture.ts [rawDir]                 run everything (about 4 minutes)
//   npx tsx lib/logs/testdata/capture.ts rawDir --curate-only    only redo the fixtures from rawDir
//
// Scenarios, each under both loggers: a 3-member start with every corruption check on, leader
// kill and re-election, move-leader, a frozen leader (late heartbeats, a slow read), a follower
// frozen inside fdatasync, learner add and promote, removal (and the removed member coming
// back), initial checks against a compacted ring and a lagging peer, a periodic check that
// cannot finish (zap only), the ETCD.md corruption recipe with and without the initial check,
// an unreadable db (panic), alarm disarm; then NOSPACE on a 1 MB quota. rawDir (default: a
// fresh temp dir) keeps the complete logs; capture-outcomes.txt here says what each scenario got.
// A failed scenario is reported and skipped, so the fixtures only ever hold what etcd printed.
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
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
  let corrupted: string | null = null;
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

    await scenario(`${logger} leadership transfer`, async () => {
      const leader = await leaderOrThrow(ring);
      const [target] = await followers();
      // Only the leader accepts move-leader; the leader changes without a leaderless gap.
      const r = await ring.etcdctl(['move-leader', await memberIdHex(ring, target)], { endpoints: [ring.member(leader).clientURL] });
      if (r.code !== 0) throw new Error(`move-leader: ${r.stderr.trim()}`);
      return `${leader} -> ${target}`;
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
      // Three versions of one key; the others then compact away the oldest while the victim
      // is down, so the two sides hash different histories at different compact revisions.
      for (const v of ['zero', 'one', 'two']) await put(ring, 'ringside/compact-me', v);
      await ring.stop(victim);
      await ring.etcdctl(['compact', String((await currentRevision(ring)) - 1)]);
      let from = mark(log(victim));
      await ring.restart(victim);
      const different = await waitForLog(log(victim), /different compact revision/, 3000, from);
      // Down again while the others write and compact past everything the victim has.
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
      corrupted = victim;
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
      const victim = corrupted ?? (await followers())[0];
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

    await scenario(`${logger} disarm CORRUPT`, async () => {
      // The corrupted member is down for good now, so the next check does not raise it again.
      const r = await ring.etcdctl(['alarm', 'disarm']);
      if (r.code !== 0) throw new Error(`alarm disarm: ${r.stderr.trim()}`);
      return r.stdout.trim().replace(/\n/g, '; ');
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
      const disarm = await ring.etcdctl(['alarm', 'disarm']);
      return `${refused} writes refused; apply-time quota line: ${apply}; disarm: ${disarm.code === 0 ? 'ok' : disarm.stderr.trim()}`;
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
  const version = execFileSync(process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  console.log(`${version}; raw logs in ${RAW}`);
  if (!process.argv.includes('--curate-only')) {
    for (const logger of ['zap', 'capnslog'] as const) {
      await runRing(logger);
      await runNospace(logger);
    }
    const report = `${version}\n${outcomes.join('\n')}\n`;
    writeFileSync(path.join(RAW, 'outcomes.txt'), report);
    writeFileSync(path.join(__dirname, 'capture-outcomes.txt'), report);
  }
  const zap = curateZap();
  const capnslog = curateCapnslog();
  writeFileSync(path.join(__dirname, 'etcd-3.4.23.log'), zap);
  writeFileSync(path.join(__dirname, 'etcd-3.4.23-capnslog.log'), capnslog);
  console.log(`etcd-3.4.23.log: ${zap.length} bytes; etcd-3.4.23-capnslog.log: ${capnslog.length} bytes`);
}

// ---------------------------------------------------------------- curation

const logsIn = (dirPrefix: string, suffix: string): string[] =>
  readdirSync(RAW)
    .filter((d) => d === dirPrefix || d.startsWith(`${dirPrefix}-`))
    .flatMap((d) => readdirSync(path.join(RAW, d)).filter((f) => f.endsWith(suffix)).map((f) => path.join(RAW, d, f)))
    .sort();

const linesOf = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

/** A message with its variable parts (member IDs, numbers, paths, quoted text) blanked out. */
function template(text: string): string {
  return text
    .replace(/"(?:[^"\\]|\\.)*"/g, '"_"')
    .replace(/\/tmp\/\S+/g, '/_')
    .replace(/\b[0-9a-f]{16}\b/g, '<id>')
    .replace(/\(\d+(?: \d+)*\)/g, '(<n>)')
    .replace(/\d+(\.\d+)?(ns|µs|ms|s|kB|B)?/g, '<n>');
}

/** Errors that change what a line means: one fixture line per (message, error kind). */
function errorKind(fields: Record<string, unknown>): string {
  const e = typeof fields.error === 'string' ? fields.error : '';
  for (const k of ['permanently removed', 'data inconsistency', 'compacted', 'future revision', 'connection refused', 'deadline', 'space exceeded']) {
    if (e.includes(k)) return k;
  }
  return '';
}

function keepOnce(seen: Set<string>, key: string, into: string[], lines: string[]): void {
  if (seen.has(key)) return;
  seen.add(key);
  into.push(...lines);
}

/** A Go panic: its first line up to the next log line (or the end of the file). */
function panicBlocks(lines: string[]): string[][] {
  const blocks: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('panic: ')) continue;
    let j = i + 1;
    while (j < lines.length && !/^(\d{4}-\d\d-\d\d |\{|raft\d{4}\/)/.test(lines[j])) j++;
    blocks.push(lines.slice(i, j));
    i = j - 1;
  }
  return blocks;
}

function curateZap(): string {
  const seen = new Set<string>();
  const kept: { ts: string; line: string }[] = [];
  for (const file of logsIn('zap', '.log')) {
    for (const line of linesOf(file)) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const key = `${template(String(o.msg))}|${String(o.alarm ?? '')}|${errorKind(o)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      kept.push({ ts: String(o.ts), line });
    }
  }
  kept.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  // What the same members wrote to stderr: capnslog-format HTTP warnings, grpc-go's own
  // log lines, and Go panics.
  const stderr: string[] = [];
  const stderrSeen = new Set<string>();
  for (const file of logsIn('zap', '.stderr')) {
    const lines = linesOf(file);
    for (const line of lines) {
      if (line.startsWith('panic: ') || !/^(\d{4}-\d\d-\d\d |[A-Z]+: \d{4}\/)/.test(line)) continue;
      keepOnce(stderrSeen, template(line.replace(/^\S+ \S+ /, '')), stderr, [line]);
    }
    for (const block of panicBlocks(lines)) keepOnce(stderrSeen, 'panic', stderr, block);
  }
  return `${[...kept.map((k) => k.line), ...stderr].join('\n')}\n`;
}

function curateCapnslog(): string {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const file of logsIn('capnslog', '.stderr')) {
    const lines = linesOf(file);
    for (const line of lines) {
      if (line.startsWith('panic: ') || /^(goroutine |\t|[a-z].*\(.*\)$|created by )/.test(line)) continue;
      const body = line.replace(/^\d{4}-\d\d-\d\d \S+ /, '').replace(/^raft\d{4}\/\d\d\/\d\d \S+ /, 'raft ');
      keepOnce(seen, template(body), kept, [line]);
    }
    for (const block of panicBlocks(lines)) keepOnce(seen, 'panic', kept, block);
  }
  return `${kept.join('\n')}\n`;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
