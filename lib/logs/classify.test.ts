import { describe, expect, test } from 'vitest';
import { classify } from './classify';
import { parseLine } from './parse';
import type { LogCategory } from './types';
import { capnslogFixture, capnslogLine, zapFixture, zapLine } from './testdata/fixtures';
import { LINES_V3_5_33, LINES_V3_6_14, VERSION_LINES } from '../model/testdata/etcd-sources/logs';

const TS = '"ts":"2026-11-22T06:13:06.301Z"';
const of = (raw: string): { category: LogCategory; good: boolean } => {
  const { category, good } = parseLine(raw);
  return { category, good };
};

type Kind = { category: LogCategory; good: boolean; evidence: string | null; outcome?: string };
const kind = (raw: string): Kind => {
  const { category, good, check } = parseLine(raw);
  return { category, good, evidence: check?.evidence ?? null, ...(check?.outcome ? { outcome: check.outcome } : {}) };
};
const corruption = { category: 'corruption', good: false, evidence: 'corruption' } as const;
const health = (outcome: string, good = false) => ({ category: 'corruption-check', good, evidence: 'check-health', outcome }) as const;

describe('consistency lines: corruption evidence, check health and check settings, kept apart (etcd 3.4.23 real lines)', () => {
  test.each([
    // evidence: the data differs
    ['found different hash values from remote peer', {}, corruption],
    ['same compact revision then hashes must match', {}, corruption],
    ['alarm raised', { alarm: 'CORRUPT' }, corruption],
    ['alarm disarmed', { alarm: 'CORRUPT' }, { ...corruption, good: true }],
    // the checks' health: a round started or passed...
    ['starting initial corruption check', {}, health('started')],
    ['initial corruption checking passed; no corruption', {}, health('passed', true)],
    ['finished peer corruption check', {}, health('passed', true)],
    // ...or could not compare: 3.4's initial check skips a peer with another compact revision
    ['found different compact revision values from remote peer', {}, health('inconclusive')],
    ['cannot fetch hash from slow remote peer', {}, health('inconclusive')],
    ['cannot fetch hash from remote peer; local member is behind', {}, health('inconclusive')],
    ['failed to get hashKV', {}, health('inconclusive')],
    ['failed hash kv request', { error: /compacted/ }, health('inconclusive')],
    // ...or could not reach a peer (a member that is down), or failed as a round
    ['failed hash kv request', { error: /connection refused/ }, health('unreachable')],
    ['failed hash kv request', { error: /context deadline exceeded/ }, health('unreachable')],
    ['failed to check hash KV', {}, health('failed')],
    // settings: the checks are on
    ['enabled corruption checking', {}, { category: 'corruption-check', good: false, evidence: 'check-config', outcome: 'enabled' }],
  ] as const)('%s %j', (msg, where, expected) => {
    expect(kind(zapLine(msg, where))).toEqual(expected);
  });

  test('a hash request the peer did not answer names the peer, by its peer URL', () => {
    const raw = zapLine('failed hash kv request', { error: /connection refused/ });
    expect(parseLine(raw).check?.peer).toBe(JSON.parse(raw)['remote-peer-endpoint']);
    expect(parseLine(raw).check?.peer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The leader's finding names the follower whose hash differs.
    expect(parseLine(zapLine('same compact revision then hashes must match')).check?.peer).toBe('469b85341b37ccc7');
    // 3.4's initial check writes remote-peer-id 0: the endpoint names the peer instead.
    expect(parseLine(zapLine('found different hash values from remote peer')).check?.peer).toMatch(/^http:\/\//);
  });

  test("3.4's refusal to start: a fatal 'discovery failed' whose error ends in 'found data inconsistency with peers'", () => {
    const raw = zapLine('discovery failed');
    expect(JSON.parse(raw).error).toMatch(/^[0-9a-f]{16} found data inconsistency with peers$/);
    expect(parseLine(raw)).toMatchObject({ level: 'fatal', category: 'corruption', good: false, check: { evidence: 'corruption' } });
  });

  test('a member whose own db cannot be opened (etcd 3.4 panics) is corruption evidence: the remedy is the same', () => {
    expect(kind(zapLine('failed to open database'))).toEqual(corruption);
    expect(kind('panic: failed to open database')).toEqual(corruption);
  });

  // Constructed in the exact zap shape of etcd's source (server/etcdserver/corrupt.go,
  // server/embed/etcd.go): 3.4.23 cannot be made to print these on demand. The periodic ones
  // need a leader whose own hash changes between two reads, or a follower ahead of the leader;
  // checkInitialHashKV failed and the compaction hash check exist only in 3.5+.
  test.each([
    ['found hash mismatch', ',"revision-1":558,"compact-revision-1":-1,"hash-1":3654689532,"revision-2":558,"compact-revision-2":-1,"hash-2":2693026817', corruption],
    ["revision from follower must be less than or equal to leader's", ',"leader-revision":558,"follower-revision":559,"follower-peer-id":"546d4d31aab02052"', corruption],
    ["compact revision from follower must be less than or equal to leader's", ',"leader-compact-revision":40,"follower-compact-revision":41,"follower-peer-id":"546d4d31aab02052"', corruption],
    ['checkInitialHashKV failed', ',"error":"546d4d31aab02052 found data inconsistency with peers"', corruption],
    ['checkInitialHashKV failed', ',"error":"context deadline exceeded"', health('failed')],
    ['starting compact hash check', ',"local-member-id":"1ee1c9ad68a55095","timeout":"7s"', health('started')],
    ['Detected compaction hash mismatch', ',"leader-id":"1ee1c9ad68a55095","leader-revision":558,"leader-compact-revision":540,"leader-hash":3654689532,"peer-hash":2693026817,"peer-ids":"546d4d31aab02052","quorum-exist":true', corruption],
    ['Detected compaction hash mismatch but cannot identify the corrupted members, so intentionally set the memberID as 0', ',"leader-id":"1ee1c9ad68a55095","leader-revision":558,"leader-compact-revision":540,"leader-hash":3654689532', corruption],
  ] as const)('constructed: %s %s', (msg, fields, expected) => {
    const level = msg.startsWith('starting') ? 'info' : msg.startsWith('Detected') || msg.startsWith('check') ? 'error' : 'warn';
    expect(kind(`{"level":"${level}",${TS},"caller":"etcdserver/corrupt.go:290","msg":"${msg}"${fields}}`)).toEqual(expected);
  });

  test('constructed (3.5+): a clean compaction hash check is a healthy confirmation', () => {
    const raw = `{"level":"info",${TS},"caller":"etcdserver/corrupt.go:300","msg":"successfully checked hash on whole cluster","number-of-peers-checked":2,"revision":558,"compactRevision":540}`;
    expect(kind(raw)).toEqual(health('passed', true));
  });

  test('another line from corrupt.go (a future wording) is evidence only if it says the data differs', () => {
    expect(classify('some new wording', { caller: 'etcdserver/corrupt.go:123' }, 'warn')).toEqual({ category: 'corruption-check', good: false, check: { evidence: 'check-health', outcome: 'failed' } });
    expect(classify('some new wording', { caller: 'etcdserver/corrupt.go:123' }, 'info')).toEqual({ category: 'corruption-check', good: false, check: { evidence: 'check-health' } });
    expect(classify('hash mismatch on a new path', { caller: 'etcdserver/corrupt.go:123' }, 'error')).toEqual({ category: 'corruption', good: false, check: { evidence: 'corruption' } });
  });

  test('capnslog (3.4 default logger) prints different text for the same events', () => {
    const cases: [RegExp, Kind][] = [
      [/ I \| etcdserver: \S+ starting initial corruption check with timeout 7s\.\.\.$/, health('started')],
      [/ I \| etcdserver: \S+ succeeded on initial corruption checking: no corruption$/, health('passed', true)],
      [/ E \| etcdserver: \S+'s hash \d+ != \S+'s hash \d+ \(revision \d+, peer revision \d+, compact revision -?\d+\)$/, corruption],
      [/ W \| etcdserver: \S+ cannot check hash of peer\(\S+\): peer has a different compact revision/, health('inconclusive')],
      [/ C \| etcdmain: \S+ found data inconsistency with peers$/, corruption],
      [/ I \| etcdserver: enabled corruption checking with 5s interval$/, { category: 'corruption-check', good: false, evidence: 'check-config', outcome: 'enabled' }],
      [/ W \| etcdserver: hash \d+ at revision \d+ from member \S+, expected hash \d+$/, corruption],
      [/ I \| etcdserver: finished peer corruption check$/, health('passed', true)],
      [/ W \| etcdserver: alarm CORRUPT raised by peer 0$/, corruption],
      [/ I \| etcdserver: alarm disarmed action:DEACTIVATE alarm:CORRUPT/, { ...corruption, good: true }],
      [/ W \| etcdserver: \S+ hash-kv error .*connection refused/, health('unreachable')],
      [/ C \| mvcc\/backend: cannot open database at /, corruption],
    ];
    for (const [re, expected] of cases) expect(kind(capnslogLine(re)), String(re)).toEqual(expected);
    expect(parseLine(capnslogLine(/ W \| etcdserver: \S+ hash-kv error /)).check?.peer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Constructed from 3.4's corrupt.go (capnslog branch): under capnslog the peer's hash
    // handler crashes on a compacted or future revision (nil zap logger), so the asking member
    // only sees EOF and these never print on 3.4.23.
    for (const [text, expected] of [
      ['etcdserver: 8e9e05c52164694d cannot check the hash of peer(["http://127.0.0.1:2380"]) at revision 12: peer is lagging behind("etcdserver: mvcc: required revision is a future revision")', health('inconclusive')],
      ['etcdserver: 8e9e05c52164694d cannot check the hash of peer(["http://127.0.0.1:2380"]) at revision 12: local node is lagging behind("etcdserver: mvcc: required revision has been compacted")', health('inconclusive')],
      ['etcdserver: mismatched hashes 3654689532 and 2693026817 for revision 558', corruption],
      ['etcdserver: revision 559 from member 546d4d31aab02052, expected at most 558', corruption],
      ['etcdserver: compact revision 41 from member 546d4d31aab02052, expected at most 40', corruption],
    ] as const) {
      expect(kind(`2026-11-22 06:13:06.301000 W | ${text}`), text).toEqual(expected);
    }
  });

  test('no real line calls a check that merely ran, passed or could not reach a peer corruption', () => {
    for (const raw of [...zapFixture, ...capnslogFixture]) {
      const line = parseLine(raw);
      if (line.category !== 'corruption') continue;
      expect(line.check?.evidence, raw).toBe('corruption');
      expect(line.message, raw).not.toMatch(/^(finished peer corruption check|enabled corruption checking|failed hash kv request|starting initial corruption check|initial corruption checking passed)/);
    }
  });
});

// Built in the exact shape of etcd's sources at v3.5.33 and v3.6.14 (lib/model/testdata/etcd-sources/logs.ts
// cites each call): not run here, where only 3.4.23 exists.
describe.each([
  ['3.5.33', LINES_V3_5_33],
  ['3.6.14', LINES_V3_6_14],
] as const)('etcd %s corruption and compaction-hash lines, from its sources (not run here)', (_, lines) => {
  test.each(lines.map((l) => [l.source, l] as const))('%s', (_, l) => {
    const line = parseLine(l.raw);
    expect({ category: line.category, evidence: line.check?.evidence ?? null, ...(line.check?.outcome ? { outcome: line.check.outcome } : {}), ...(line.check?.peer ? { peer: line.check.peer } : {}) }).toEqual(l.expected);
    // Corruption evidence stays the only kind called corruption.
    expect(line.category === 'corruption').toBe(l.expected.evidence === 'corruption');
  });
});

describe('version lines: a member refusing a newer ring or data dir, the cluster version moving (3.4.23-3.6.14 sources)', () => {
  test.each(VERSION_LINES.map((l) => [l.source, l] as const))('%s', (_, l) => {
    const line = parseLine(l.raw);
    expect({ category: line.category, evidence: line.check?.evidence ?? null }).toEqual(l.expected);
  });
});

describe('alarm', () => {
  test("NOSPACE: the quota line at apply time, 'alarm raised', 'alarm disarmed' (real, zap)", () => {
    expect(of(zapLine('message exceeded backend quota; raising alarm'))).toEqual({ category: 'alarm', good: false });
    expect(of(zapLine('alarm raised', { alarm: 'NOSPACE' }))).toEqual({ category: 'alarm', good: false });
    expect(of(zapLine('alarm disarmed', { alarm: 'NOSPACE' }))).toEqual({ category: 'alarm', good: true });
    // A write refused for lack of space says so only in its error.
    expect(of(zapLine('failed to apply request', { error: 'etcdserver: no space' }))).toEqual({ category: 'alarm', good: false });
  });

  test('NOSPACE under capnslog', () => {
    expect(of(capnslogLine(/ E \| etcdserver: applying raft message exceeded backend quota$/))).toEqual({ category: 'alarm', good: false });
    expect(of(capnslogLine(/ W \| etcdserver: alarm NOSPACE raised by peer [0-9a-f]+$/))).toEqual({ category: 'alarm', good: false });
    expect(of(capnslogLine(/ I \| etcdserver: alarm disarmed .*alarm:NOSPACE/))).toEqual({ category: 'alarm', good: true });
    expect(of(capnslogLine(/failed to apply request .* err is etcdserver: no space$/))).toEqual({ category: 'alarm', good: false });
  });

  test('a CORRUPT alarm is corruption, not alarm: it is the corruption check\'s verdict', () => {
    expect(classify('alarm raised', { alarm: 'CORRUPT' }, 'warn').category).toBe('corruption');
    expect(classify('alarm raised', { alarm: 'NOSPACE' }, 'warn').category).toBe('alarm');
  });
});

describe('disk', () => {
  test.each(['slow fdatasync', 'leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk', 'apply request took too long', 'waiting for ReadIndex response took too long, retrying', 'timed out waiting for read index response (local node might have slow network)'])(
    'real zap: %s',
    (msg) => expect(of(zapLine(msg))).toEqual({ category: 'disk', good: false }),
  );

  test('the step trace 3.4 prints for a request slower than 100 ms', () => {
    expect(of(zapLine(/^trace\[\d+\] put$/))).toEqual({ category: 'disk', good: false });
  });

  test.each([
    / W \| wal: sync duration of [\d.]+s, expected less than 1s$/,
    / W \| etcdserver: failed to send out heartbeat on time/,
    / W \| etcdserver: server is likely overloaded$/,
    / W \| etcdserver: read-only range request .* took too long/,
  ])('real capnslog: %s', (re) => expect(of(capnslogLine(re))).toEqual({ category: 'disk', good: false }));
});

describe('leader-election', () => {
  test.each([
    /^[0-9a-f]{16} became leader at term \d+$/,
    /^[0-9a-f]{16} became follower at term \d+$/,
    /^[0-9a-f]{16} became candidate at term \d+$/,
    /^[0-9a-f]{16} is starting a new election at term \d+$/,
    /^raft\.node: [0-9a-f]{16} elected leader [0-9a-f]{16} at term \d+$/,
    /^raft\.node: [0-9a-f]{16} lost leader [0-9a-f]{16} at term \d+$/,
    /cast MsgVote for/,
    /rejected MsgVote from/,
    /ignored MsgVote from/,
    /received MsgVoteResp from/,
    /has received \d+ MsgVoteResp votes/,
    /received a MsgVote message with higher term/,
    /stepped down to follower since quorum is not active/,
    /^leadership transfer starting$/,
    /starts to transfer leadership to/,
    /received MsgTimeoutNow/,
  ])('real zap: %s', (re) => expect(of(zapLine(re))).toEqual({ category: 'leader-election', good: false }));

  test('real capnslog and Go-log raft lines', () => {
    for (const re of [
      /^raft\S+ \S+ INFO: \S+ became leader at term/,
      /^raft\S+ \S+ INFO: raft\.node: \S+ elected leader/,
      / I \| etcdserver: \S+ starts leadership transfer from/,
      /etcdhttp: \/health error; no leader/,
    ]) {
      expect(of(capnslogLine(re)), String(re)).toEqual({ category: 'leader-election', good: false });
    }
  });

  test('constructed: raft.node "changed leader from" (printed only when a leader follows another without a gap; move-leader on 3.4.23 goes through "lost leader")', () => {
    const raw = `{"level":"info",${TS},"caller":"raft/node.go:325","msg":"raft.node: 546d4d31aab02052 changed leader from 1ee1c9ad68a55095 to 1bf8baf17e7f3cca at term 5"}`;
    expect(of(raw)).toEqual({ category: 'leader-election', good: false });
    expect(classify('etcdserver: leader changed', {}, 'warn').category).toBe('leader-election');
  });
});

describe('membership', () => {
  test.each([
    ['added member', {}],
    ['removed member', {}],
    ['promote member', {}],
    ['applied a configuration change through raft', {}],
    ['data-dir used by this member must be removed', {}],
    ['rejected stream from remote peer because it was removed', {}],
    ['rejecting member add request; local member has not been connected to all peers, reconfigure breaks active quorum', {}],
    // A removed member that comes back: the news is only in the error.
    ['server error', { error: 'the member has been permanently removed from the cluster' }],
    ['peer became inactive (message send to peer failed)', { error: /permanently removed from the cluster/ }],
  ] as const)('real zap: %s %j', (msg, where) => {
    expect(of(zapLine(msg, where))).toEqual({ category: 'membership', good: false });
  });

  test('raft configuration changes', () => {
    expect(of(zapLine(/switched to configuration voters=\(\d+/))).toEqual({ category: 'membership', good: false });
  });

  test.each([
    / I \| etcdserver\/membership: added member [0-9a-f]+ \[\S+\] to cluster [0-9a-f]+$/,
    / N \| etcdserver\/membership: promote member [0-9a-f]+ in cluster/,
    / I \| etcdserver\/membership: removed member [0-9a-f]+ from cluster/,
    / E \| etcdserver: the member has been permanently removed from the cluster$/,
    / I \| etcdserver: the data-dir used by this member must be removed\.$/,
    / W \| rafthttp: rejected the stream from peer \S+ since it was removed$/,
    / W \| etcdserver: not healthy for reconfigure, rejecting member add/,
  ])('real capnslog: %s', (re) => expect(of(capnslogLine(re))).toEqual({ category: 'membership', good: false }));

  test('a restart replaying membership from its store is not a membership change', () => {
    expect(of(zapLine('recovered/added member from store')).category).toBe('other');
    expect(of(capnslogLine(/added member \S+ \[\S+\] to cluster \S+ from store$/)).category).toBe('other');
  });
});

describe('everything else', () => {
  test('routine lines are other', () => {
    for (const msg of ['starting an etcd server', 'saved snapshot', 'added remote peer', 'established TCP streaming connection with remote peer', 'enabled backend quota with default value', 'now serving peer/client/metrics']) {
      expect(of(zapLine(msg)), msg).toEqual({ category: 'other', good: false });
    }
  });

  test('no real line that mentions corruption, hashes, alarms, leaders, fsync or removal falls through to other', () => {
    const telling = /corrupt|hash|alarm (raised|disarmed)|raised by peer|NOSPACE|quota; raising|fdatasync|became leader|elected leader|permanently removed|inconsistency/i;
    for (const raw of [...zapFixture, ...capnslogFixture]) {
      const line = parseLine(raw);
      const said = `${line.message} ${typeof line.fields.error === 'string' ? line.fields.error : ''}`;
      if (telling.test(said)) expect(line.category, raw).not.toBe('other');
    }
  });

  test('only check successes and disarms are good', () => {
    const good = [...zapFixture, ...capnslogFixture].map((l) => parseLine(l)).filter((l) => l.good);
    expect(new Set(good.map((l) => l.message.replace(/^[0-9a-f]{16} /, '').replace(/ alarm:\w+ ?$/, '').replace(/ memberID:\d+/, '')))).toEqual(
      new Set([
        'initial corruption checking passed; no corruption',
        'succeeded on initial corruption checking: no corruption',
        'finished peer corruption check',
        'alarm disarmed',
        'alarm disarmed action:DEACTIVATE',
      ]),
    );
  });

  test('a warning is never a healthy confirmation', () => {
    expect(classify('finished peer corruption check', {}, 'warn')).toMatchObject({ category: 'corruption-check', good: false });
  });
});
