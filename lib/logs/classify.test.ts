import { describe, expect, test } from 'vitest';
import { classify } from './classify';
import { parseLine } from './parse';
import type { LogCategory } from './types';
import { capnslogFixture, capnslogLine, zapFixture, zapLine } from './testdata/fixtures';

const TS = '"ts":"2026-11-22T06:13:06.301Z"';
const of = (raw: string): { category: LogCategory; good: boolean } => {
  const { category, good } = parseLine(raw);
  return { category, good };
};

describe('corruption: every message ETCD.md lists, on etcd 3.4.23 real lines where 3.4 prints them', () => {
  test.each([
    // initial check (every member, at start)
    ['starting initial corruption check', {}, false],
    ['found different hash values from remote peer', {}, false],
    ['found different compact revision values from remote peer', {}, false],
    ['cannot fetch hash from slow remote peer', {}, false],
    ['cannot fetch hash from remote peer; local member is behind', {}, false],
    ['initial corruption checking passed; no corruption', {}, true],
    // periodic check (leader)
    ['enabled corruption checking', {}, false],
    ['same compact revision then hashes must match', {}, false],
    ['failed to check hash KV', {}, false],
    ['finished peer corruption check', {}, true],
    // the hash requests both checks send
    ['failed hash kv request', {}, false],
    ['failed to get hashKV', {}, false],
    // the verdict
    ['alarm raised', { alarm: 'CORRUPT' }, false],
    ['alarm disarmed', { alarm: 'CORRUPT' }, true],
  ] as const)('%s %j', (msg, where, good) => {
    expect(of(zapLine(msg, where))).toEqual({ category: 'corruption', good });
  });

  test("3.4's refusal to start: a fatal 'discovery failed' whose error ends in 'found data inconsistency with peers'", () => {
    const raw = zapLine('discovery failed');
    expect(JSON.parse(raw).error).toMatch(/^[0-9a-f]{16} found data inconsistency with peers$/);
    expect(parseLine(raw)).toMatchObject({ level: 'fatal', category: 'corruption', good: false });
  });

  test('a member whose own db cannot be opened (etcd 3.4 panics) counts as corruption: the remedy is the same', () => {
    expect(of(zapLine('failed to open database'))).toEqual({ category: 'corruption', good: false });
    expect(of('panic: failed to open database')).toEqual({ category: 'corruption', good: false });
  });

  // Constructed in the exact zap shape of etcd's source (server/etcdserver/corrupt.go,
  // server/embed/etcd.go): 3.4.23 cannot be made to print these on demand. The periodic ones
  // need a leader whose own hash changes between two reads, or a follower ahead of the leader;
  // checkInitialHashKV failed and the compaction hash check exist only in 3.5+.
  test.each([
    ['found hash mismatch', ',"revision-1":558,"compact-revision-1":-1,"hash-1":3654689532,"revision-2":558,"compact-revision-2":-1,"hash-2":2693026817'],
    ["revision from follower must be less than or equal to leader's", ',"leader-revision":558,"follower-revision":559,"follower-peer-id":"546d4d31aab02052"'],
    ["compact revision from follower must be less than or equal to leader's", ',"leader-compact-revision":40,"follower-compact-revision":41,"follower-peer-id":"546d4d31aab02052"'],
    ['checkInitialHashKV failed', ',"error":"546d4d31aab02052 found data inconsistency with peers"'],
    ['starting compact hash check', ',"local-member-id":"1ee1c9ad68a55095","timeout":"7s"'],
    ['Detected compaction hash mismatch', ',"leader-id":"1ee1c9ad68a55095","leader-revision":558,"leader-compact-revision":540,"leader-hash":3654689532,"peer-hash":2693026817,"peer-ids":"[546d4d31aab02052]","quorum-exist":true'],
    ['Detected compaction hash mismatch but cannot identify the corrupted members, so intentionally set the memberID as 0', ',"leader-id":"1ee1c9ad68a55095","leader-revision":558,"leader-compact-revision":540,"leader-hash":3654689532'],
  ])('constructed: %s', (msg, fields) => {
    const level = msg.startsWith('starting') ? 'info' : msg.startsWith('Detected') || msg.startsWith('check') ? 'error' : 'warn';
    expect(of(`{"level":"${level}",${TS},"caller":"etcdserver/corrupt.go:290","msg":"${msg}"${fields}}`)).toEqual({ category: 'corruption', good: false });
  });

  test('constructed (3.5+): a clean compaction hash check is a healthy confirmation', () => {
    const raw = `{"level":"info",${TS},"caller":"etcdserver/corrupt.go:300","msg":"successfully checked hash on whole cluster","number-of-peers-checked":2,"revision":558,"compactRevision":540}`;
    expect(of(raw)).toEqual({ category: 'corruption', good: true });
  });

  test('any other line from corrupt.go is corruption, whatever a future version calls it', () => {
    expect(classify('some new wording', { caller: 'etcdserver/corrupt.go:123' }, 'warn')).toEqual({ category: 'corruption', good: false });
  });

  test('capnslog (3.4 default logger) prints different text for the same events', () => {
    const cases: [RegExp, boolean][] = [
      [/ I \| etcdserver: \S+ starting initial corruption check with timeout 7s\.\.\.$/, false],
      [/ I \| etcdserver: \S+ succeeded on initial corruption checking: no corruption$/, true],
      [/ E \| etcdserver: \S+'s hash \d+ != \S+'s hash \d+ \(revision \d+, peer revision \d+, compact revision -?\d+\)$/, false],
      [/ W \| etcdserver: \S+ cannot check hash of peer\(\S+\): peer has a different compact revision/, false],
      [/ C \| etcdmain: \S+ found data inconsistency with peers$/, false],
      [/ I \| etcdserver: enabled corruption checking with 5s interval$/, false],
      [/ W \| etcdserver: hash \d+ at revision \d+ from member \S+, expected hash \d+$/, false],
      [/ I \| etcdserver: finished peer corruption check$/, true],
      [/ W \| etcdserver: alarm CORRUPT raised by peer 0$/, false],
      [/ I \| etcdserver: alarm disarmed action:DEACTIVATE alarm:CORRUPT/, true],
      [/ W \| etcdserver: \S+ hash-kv error /, false],
      [/ C \| mvcc\/backend: cannot open database at /, false],
    ];
    for (const [re, good] of cases) expect(of(capnslogLine(re)), String(re)).toEqual({ category: 'corruption', good });
    // Constructed from 3.4's corrupt.go (capnslog branch): under capnslog the peer's hash
    // handler crashes on a compacted or future revision (nil zap logger), so the asking member
    // only sees EOF and these never print on 3.4.23.
    for (const text of [
      'etcdserver: 8e9e05c52164694d cannot check the hash of peer(["http://127.0.0.1:2380"]) at revision 12: peer is lagging behind("etcdserver: mvcc: required revision is a future revision")',
      'etcdserver: 8e9e05c52164694d cannot check the hash of peer(["http://127.0.0.1:2380"]) at revision 12: local node is lagging behind("etcdserver: mvcc: required revision has been compacted")',
      'etcdserver: mismatched hashes 3654689532 and 2693026817 for revision 558',
      'etcdserver: revision 559 from member 546d4d31aab02052, expected at most 558',
      'etcdserver: compact revision 41 from member 546d4d31aab02052, expected at most 40',
    ]) {
      expect(of(`2026-11-22 06:13:06.301000 W | ${text}`), text).toEqual({ category: 'corruption', good: false });
    }
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
    expect(classify('finished peer corruption check', {}, 'warn')).toEqual({ category: 'corruption', good: false });
  });
});
