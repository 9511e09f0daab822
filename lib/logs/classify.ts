import type { CheckFinding, CheckOutcome } from '../model/check-evidence';
import type { LogCategory, LogLevel } from './types';

export interface Classification {
  category: LogCategory;
  /** A healthy confirmation (a corruption check that ran to the end, an alarm disarmed). */
  good: boolean;
  /** Lines about consistency: evidence of corruption, the checks' health, or their settings. */
  check: CheckFinding | null;
}

interface Rule {
  category: LogCategory;
  /** Matched against the message: zap's `msg`, or capnslog's text after the package. */
  match: RegExp;
  good?: boolean;
  /** check-health lines: how the check went (an `error` may refine it, see outcomeOf). */
  outcome?: CheckOutcome;
}

/** Evidence that data differs. */
const evidence = (match: RegExp): Rule => ({ category: 'corruption', match });
/** A check's own health: it ran, passed, or could not do its job. */
const health = (match: RegExp, outcome: CheckOutcome, good = false): Rule => ({ category: 'corruption-check', match, outcome, good });

/**
 * Message rules, first match wins. Each pattern is etcd 3.4.23's real text (captured by
 * testdata/capture.ts) in both its zap form and its capnslog form, which often differ, plus
 * the 3.5/3.6 wording where it changed. Raft prints the same text under both loggers.
 *
 * Corruption evidence and the checks' health are told apart here, once: "found different hash
 * values" is evidence; "failed hash kv request" (a peer that did not answer, typically because
 * it is down) and "different compact revision" (etcd's initial check skips such a peer: 3.4's
 * checkInitialHashKV counts only same-compact-revision differences as a mismatch) are not.
 */
const RULES: Rule[] = [
  // --- the initial check (every member, at start)
  health(/^starting initial corruption check\b|\bstarting initial corruption check with timeout\b/, 'started'),
  health(/^initial corruption checking passed; no corruption$/, 'passed', true),
  health(/\bsucceeded on initial corruption checking: no corruption$/, 'passed', true), // capnslog
  evidence(/^found different hash values from remote peer$/),
  evidence(/^\S+'s hash \d+ != \S+'s hash \d+ \(revision/), // capnslog of the above
  health(/^found different compact revision values from remote peer$/, 'inconclusive'),
  health(/\bcannot check hash of peer\(/, 'inconclusive'), // capnslog of the above
  health(/^cannot fetch hash from slow remote peer$/, 'inconclusive'),
  health(/^cannot fetch hash from remote peer; local member is behind$/, 'inconclusive'),
  health(/\bcannot check the hash of peer\(/, 'inconclusive'), // capnslog of both: "peer is lagging behind" / "local node is lagging behind"
  evidence(/\bfound data inconsistency with peers$/), // capnslog's C line; zap puts it in `error`
  // 3.5+ logs this before the fatal; its error says whether it found an inconsistency (see ERROR_RULES).
  health(/^checkInitialHashKV failed$/, 'failed'),
  // --- the periodic check (leader only)
  { category: 'corruption-check', match: /^enabled corruption checking\b/, outcome: 'enabled' },
  evidence(/^found hash mismatch$/),
  evidence(/^mismatched hashes \d+ and \d+ for revision/), // capnslog
  evidence(/^same compact revision then hashes must match$/),
  evidence(/^hash \d+ at revision \d+ from member \S+, expected hash \d+$/), // capnslog
  // 3.4 raises CORRUPT for a follower ahead of the leader too.
  evidence(/^(compact )?revision from follower must be less than or equal to leader's$/),
  evidence(/^(compact )?revision \d+ from member \S+, expected at most \d+$/), // capnslog
  health(/^failed to check hash KV$|^check hash kv failed\b/, 'failed'),
  health(/^finished peer corruption check$/, 'passed', true),
  // Hash requests between members, used by both checks: the peer did not answer, or could not hash that revision.
  health(/^failed hash kv request$|\bhash-kv error\b/, 'unreachable'),
  health(/^failed to get hashKV$/, 'inconclusive'), // the answering side: compacted or future revision
  health(/^failed to marshal hashKV response$/, 'failed'),
  // 3.5+'s initial check skips a peer that answers for another cluster (etcd issue 15548): not a
  // finding about data, whatever "mismatch" says.
  health(/^cluster ID mismatch$/, 'inconclusive'),
  // --- the compaction hash check (3.5.5+ with --experimental-compact-hash-check-enabled, 3.6 CompactHashCheck)
  health(/^starting compact hash check$/, 'started'),
  evidence(/^Detected compaction hash mismatch\b/), // 3.6
  evidence(/^failed compaction hash check$/), // 3.5: a follower's hash differs from the leader's at the same compaction
  health(/^Skipped peer's hash$|^skipped revision in compaction hash check\b/, 'inconclusive'),
  { category: 'corruption-check', match: /^successfully checked hash on follower$/, good: true }, // 3.5: one follower, not the round
  health(/^successfully checked hash on whole cluster$/, 'passed', true),
  health(/^finished compaction hash check$/, 'passed', true),
  // The member's own files are damaged: same remedy (replace the member), so same evidence.
  evidence(/^failed to open database$|\bcannot open database at\b|\bcrc mismatch\b/),

  // --- alarms. "alarm raised" (zap) names the alarm in a field; see classifyAlarm.
  { category: 'alarm', match: /^message exceeded backend quota; raising alarm$|\bapplying raft message exceeded backend quota$/ },

  // --- disk and overload
  { category: 'disk', match: /^slow fdatasync$|^sync duration of .+, expected less than/ },
  { category: 'disk', match: /^leader failed to send out heartbeat on time\b|^failed to send out heartbeat on time\b|^server is likely overloaded$/ },
  { category: 'disk', match: /\btook too long\b/ }, // "apply request took too long", capnslog "read-only range request ... took too long", ReadIndex waits
  { category: 'disk', match: /^timed out waiting for read index response\b/ },
  { category: 'disk', match: /^trace\[\d+\] / }, // 3.4+ prints a step trace for every request slower than 100 ms

  // --- leader election (raft's own text, identical under zap and capnslog)
  { category: 'leader-election', match: /\bbecame (leader|follower|candidate|pre-candidate) at term \d+/ },
  { category: 'leader-election', match: /\bis starting a new election at term \d+/ },
  { category: 'leader-election', match: /^raft\.node: \S+ (elected leader|lost leader|changed leader from)\b/ },
  { category: 'leader-election', match: /\b(cast|rejected|ignored) Msg(Pre)?Vote (for|from)\b|\bsent Msg(Pre)?Vote request\b/ },
  { category: 'leader-election', match: /\bstepped down to follower since quorum is not active\b/ },
  { category: 'leader-election', match: /\breceived Msg(Pre)?VoteResp\b|\bhas received \d+ Msg(Pre)?VoteResp votes\b/ },
  { category: 'leader-election', match: /\b(received|ignored) a Msg\w+ message with (higher|lower) term\b/ },
  { category: 'leader-election', match: /\bMsgTimeoutNow\b|\btransfer(ring)? leadership\b|\bleadership transfer\b/ },
  { category: 'leader-election', match: /\bleader changed\b|\bno leader\b/ },

  // --- membership
  { category: 'membership', match: /^added member$|^added member \S+ \[.*\] to cluster \S+$/ }, // "... from store" is a restart replaying membership
  { category: 'membership', match: /^removed member$|^removed member \S+ from cluster\b/ },
  { category: 'membership', match: /^promote member$|^promote member \S+ in cluster\b/ },
  { category: 'membership', match: /^applied a configuration change through raft$/ },
  { category: 'membership', match: /\bswitched to configuration voters=/ },
  { category: 'membership', match: /\bthe member has been permanently removed from the cluster\b/ },
  { category: 'membership', match: /\bdata-dir used by this member must be removed\b/ },
  { category: 'membership', match: /^rejected stream from remote peer because it was removed$|^rejected the stream from peer \S+ since it was removed$/ },
  { category: 'membership', match: /^rejecting member (add|promote|remove) request\b|\brejecting (member add|member promote|remove member)\b/ },

  // --- versions: a member refusing to start on a ring or a data dir newer than its binary (3.4-3.6
  // membership/downgrade checks, 3.6's schema check), and the cluster version moving.
  { category: 'version', match: /^invalid downgrade; server version is (lower than determined cluster version|not allowed to join when downgrade is enabled)$|\bcluster cannot be downgraded\b/ },
  { category: 'version', match: /^Failed to validate schema$/ },
  { category: 'version', match: /^cluster version is updated$|^updated cluster version$|^updating cluster version\b|^leader found higher-versioned member$|\bthe local etcd version \S+ is not up-to-date$/ },
  { category: 'version', match: /^cluster is downgrading to target version$|^The server is ready to downgrade$|^Cluster version downgrade detected\b|^the cluster has been downgraded\b/ },
];

/** Errors that decide a line's category when its message is generic ("server error", "discovery failed", "failed to apply request"). */
const ERROR_RULES: Rule[] = [
  { category: 'corruption', match: /found data inconsistency with peers|corrupt cluster/ },
  { category: 'alarm', match: /database space exceeded|etcdserver: no space/ },
  { category: 'membership', match: /the member has been permanently removed from the cluster/ },
];

const GOOD_LEVELS = new Set<LogLevel>(['debug', 'info', 'unknown']);

/** Hash requests that reached the peer but could not be compared, by etcd's error text. */
const CANNOT_COMPARE = /required revision (has been compacted|is a future revision)/;
/** What a corrupt.go line that no rule knows (a future wording) must say to count as evidence. */
const SAYS_DIFFERENT = /mismatch|inconsisten|different hash/i;

/**
 * What an etcd log line is about. Pure. `fields` are zap's structured fields (capnslog lines
 * have only `pkg`); `level` keeps a warning from ever counting as a healthy confirmation.
 *
 * A CORRUPT alarm is category `corruption`, not `alarm`: it is the periodic check's verdict,
 * and whoever filters on corruption must see it next to the mismatch that raised it. NOSPACE
 * is an `alarm`, with the quota lines that lead to it.
 *
 * `good` is per line: on 3.4 the leader logs "finished peer corruption check" even right
 * after "same compact revision then hashes must match", so a clean check means a `good` line
 * with no corruption warning before it in the same round (CheckRounds judges that).
 */
export function classify(message: string, fields: Record<string, unknown>, level: LogLevel): Classification {
  const alarm = classifyAlarm(message, fields);
  if (alarm) return alarm;
  // zap keeps the error in a field; capnslog writes it into the text ("..., err is etcdserver: no space").
  const error = typeof fields.error === 'string' ? fields.error : message;
  for (const rule of RULES) {
    if (!rule.match.test(message)) continue;
    const good = Boolean(rule.good) && GOOD_LEVELS.has(level);
    if (rule.category === 'corruption') return { category: 'corruption', good, check: withPeer({ evidence: 'corruption' }, message, fields) };
    if (rule.category !== 'corruption-check') return { category: rule.category, good, check: null };
    if (rule.outcome === 'enabled') return { category: 'corruption-check', good: false, check: { evidence: 'check-config', outcome: 'enabled' } };
    // 3.5+'s "checkInitialHashKV failed" carries the verdict in its error.
    if (/found data inconsistency with peers/.test(error)) return { category: 'corruption', good: false, check: { evidence: 'corruption' } };
    const outcome = rule.outcome === 'unreachable' && CANNOT_COMPARE.test(error) ? 'inconclusive' : rule.outcome;
    return { category: 'corruption-check', good, check: withPeer({ evidence: 'check-health', outcome }, message, fields) };
  }
  for (const rule of ERROR_RULES) {
    if (rule.match.test(error)) return { category: rule.category, good: false, check: rule.category === 'corruption' ? { evidence: 'corruption' } : null };
  }
  // Anything else the corruption checker says (its messages vary between versions): evidence
  // only if it says so, else the check talking about itself.
  if (typeof fields.caller === 'string' && /\/corrupt\.go:/.test(fields.caller)) {
    if (SAYS_DIFFERENT.test(message)) return { category: 'corruption', good: false, check: { evidence: 'corruption' } };
    return { category: 'corruption-check', good: false, check: { evidence: 'check-health', ...(GOOD_LEVELS.has(level) ? {} : { outcome: 'failed' as const }) } };
  }
  return { category: 'other', good: false, check: null };
}

/**
 * The peer a consistency line is about: zap's `remote-peer-endpoint` (the peer URL the hash
 * request went to), `remote-peer-id`, `follower-peer-id` (whom the leader found different),
 * `peer-id` and 3.6's `peer-ids` (the compaction hash check's);
 * capnslog's `on peer "URL"` or `peer(ID)`. etcd 3.4's initial check writes remote-peer-id 0,
 * which names nobody.
 */
function withPeer(f: CheckFinding, message: string, fields: Record<string, unknown>): CheckFinding {
  const endpoints = fields['remote-peer-endpoints'];
  const candidates = [
    fields['follower-peer-id'],
    fields['remote-peer-endpoint'],
    fields['remote-peer-id'],
    Array.isArray(endpoints) ? endpoints[0] : undefined,
    fields['peer-id'], // 3.5's per-follower compaction check, 3.6's "Skipped peer's hash"
    typeof fields['peer-ids'] === 'string' ? fields['peer-ids'].split(',')[0] : undefined, // 3.6: types.IDSlice, comma-separated
    /\bon peer "([^"]+)"/.exec(message)?.[1],
    /\bpeer\(\[?"?([^")\]]+)/.exec(message)?.[1],
  ];
  const peer = candidates.find((c): c is string => typeof c === 'string' && c !== '' && c !== '0');
  return peer ? { ...f, peer } : f;
}

/**
 * zap: `alarm raised` / `alarm disarmed` with field `alarm`; capnslog: "alarm NOSPACE raised
 * by peer 9951bf8e8000db1a", "alarm disarmed action:DEACTIVATE ... alarm:NOSPACE".
 */
function classifyAlarm(message: string, fields: Record<string, unknown>): Classification | null {
  const m = /^alarm (raised|disarmed)\b|^alarm (\w+) raised by peer\b/.exec(message);
  if (!m) return null;
  const kind = typeof fields.alarm === 'string' ? fields.alarm : (m[2] ?? /\b(NOSPACE|CORRUPT)\b/.exec(message)?.[1] ?? '');
  // 3.4 logs "alarm disarmed" at warn level, so the level does not decide here.
  const corrupt = kind === 'CORRUPT';
  return { category: corrupt ? 'corruption' : 'alarm', good: m[1] === 'disarmed', check: corrupt ? { evidence: 'corruption' } : null };
}
