import type { LogCategory, LogLevel } from './types';

export interface Classification {
  category: LogCategory;
  /** A healthy confirmation (a corruption check that ran to the end, an alarm disarmed). */
  good: boolean;
}

interface Rule {
  category: LogCategory;
  /** Matched against the message: zap's `msg`, or capnslog's text after the package. */
  match: RegExp;
  good?: boolean;
}

/**
 * Message rules, first match wins. Each pattern is etcd 3.4.23's real text (captured by
 * testdata/capture.ts) in both its zap form and its capnslog form, which often differ, plus
 * the 3.5/3.6 wording where it changed. Raft prints the same text under both loggers.
 */
const RULES: Rule[] = [
  // --- corruption: initial check (every member, at start)
  { category: 'corruption', match: /^starting initial corruption check\b|\bstarting initial corruption check with timeout\b/ },
  { category: 'corruption', match: /^initial corruption checking passed; no corruption$/, good: true },
  { category: 'corruption', match: /\bsucceeded on initial corruption checking: no corruption$/, good: true }, // capnslog
  { category: 'corruption', match: /^found different hash values from remote peer$/ },
  { category: 'corruption', match: /^\S+'s hash \d+ != \S+'s hash \d+ \(revision/ }, // capnslog of the above
  { category: 'corruption', match: /^found different compact revision values from remote peer$/ },
  { category: 'corruption', match: /\bcannot check hash of peer\(/ }, // capnslog of the above
  { category: 'corruption', match: /^cannot fetch hash from slow remote peer$/ },
  { category: 'corruption', match: /^cannot fetch hash from remote peer; local member is behind$/ },
  { category: 'corruption', match: /\bcannot check the hash of peer\(/ }, // capnslog of both: "peer is lagging behind" / "local node is lagging behind"
  { category: 'corruption', match: /^checkInitialHashKV failed$/ }, // 3.5+; 3.4 logs only the fatal below
  { category: 'corruption', match: /\bfound data inconsistency with peers$/ }, // capnslog's C line; zap puts it in `error`
  // --- corruption: periodic check (leader only)
  { category: 'corruption', match: /^enabled corruption checking\b/ },
  { category: 'corruption', match: /^found hash mismatch$/ },
  { category: 'corruption', match: /^mismatched hashes \d+ and \d+ for revision/ }, // capnslog
  { category: 'corruption', match: /^same compact revision then hashes must match$/ },
  { category: 'corruption', match: /^hash \d+ at revision \d+ from member \S+, expected hash \d+$/ }, // capnslog
  { category: 'corruption', match: /^(compact )?revision from follower must be less than or equal to leader's$/ },
  { category: 'corruption', match: /^(compact )?revision \d+ from member \S+, expected at most \d+$/ }, // capnslog
  { category: 'corruption', match: /^failed to check hash KV$|^check hash kv failed\b/ },
  { category: 'corruption', match: /^finished peer corruption check$/, good: true },
  // Hash requests between members, used by both checks.
  { category: 'corruption', match: /^failed hash kv request$|^failed to get hashKV$|^failed to marshal hashKV response$|\bhash-kv error\b/ },
  // --- corruption: compaction hash check (3.5.5+ with --experimental-compact-hash-check-enabled, 3.6 CompactHashCheck)
  { category: 'corruption', match: /^starting compact hash check$/ },
  { category: 'corruption', match: /^Detected compaction hash mismatch\b/ },
  { category: 'corruption', match: /^Skipped peer's hash$|^skipped revision in compaction hash check\b/ },
  { category: 'corruption', match: /^successfully checked hash on whole cluster$/, good: true },
  { category: 'corruption', match: /^finished compaction hash check$/, good: true },
  // The member's own files are damaged: same remedy (replace the member), so same category.
  { category: 'corruption', match: /^failed to open database$|\bcannot open database at\b|\bcrc mismatch\b/ },

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
];

/** Errors that decide a line's category when its message is generic ("server error", "discovery failed", "failed to apply request"). */
const ERROR_RULES: Rule[] = [
  { category: 'corruption', match: /found data inconsistency with peers|corrupt cluster/ },
  { category: 'alarm', match: /database space exceeded|etcdserver: no space/ },
  { category: 'membership', match: /the member has been permanently removed from the cluster/ },
];

const GOOD_LEVELS = new Set<LogLevel>(['debug', 'info', 'unknown']);

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
 * with no corruption warning before it in the same round.
 */
export function classify(message: string, fields: Record<string, unknown>, level: LogLevel): Classification {
  const alarm = classifyAlarm(message, fields);
  if (alarm) return alarm;
  for (const rule of RULES) {
    if (rule.match.test(message)) return { category: rule.category, good: Boolean(rule.good) && GOOD_LEVELS.has(level) };
  }
  // zap keeps the error in a field; capnslog writes it into the text ("..., err is etcdserver: no space").
  const error = typeof fields.error === 'string' ? fields.error : message;
  for (const rule of ERROR_RULES) if (rule.match.test(error)) return { category: rule.category, good: false };
  // Anything else the corruption checker says (its messages vary between versions).
  if (typeof fields.caller === 'string' && /\/corrupt\.go:/.test(fields.caller)) return { category: 'corruption', good: false };
  return { category: 'other', good: false };
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
  return { category: kind === 'CORRUPT' ? 'corruption' : 'alarm', good: m[1] === 'disarmed' };
}
