import { formatBytes } from '../model/format';
import { defragChecks, defragOrder, refusal } from '../ops/preflight';
import type { Check } from '../ops/types';
import type { HashCheck } from '../ring/hashkv';
import type { MemberState, RingState } from '../ring/types';
import { memberQuota } from './quota';

/**
 * Rule-driven defragmentation, pure: rules over each member's dbSize, dbSizeInUse, free bytes
 * (dbSize - dbSizeInUse: what a defragment gives back) and quota use, as ahrtr/etcd-defrag and
 * OpenShift's defrag controller decide; a dry run that says which members each rule selects and
 * why; and the decision a schedule takes. The defragment itself is the existing rolling one
 * (lib/ops/actions.ts defragment), which re-checks before each member.
 *
 * A rule is one or more comparisons joined by `and`; a member is selected when any rule holds:
 *   free > 200MiB                      free bytes (B, kB, MB, GB, KiB, MiB, GiB, TiB)
 *   free > 30%                         free as a share of dbSize
 *   inUse < 50%                        dbSizeInUse as a share of dbSize (etcd-mixin warns below 50%)
 *   dbSize > 1GiB and inUse < 60%      dbSize and dbSizeInUse in bytes
 *   quotaUsed > 80%                    dbSize as a share of the backend quota
 */

export type RuleMetric = 'dbSize' | 'dbSizeInUse' | 'free' | 'inUse' | 'quotaUsed';
export type RuleOp = '>' | '>=' | '<' | '<=';

export interface RuleTerm {
  metric: RuleMetric;
  op: RuleOp;
  value: number;
  unit: 'bytes' | '%';
  /** As written, for messages. */
  amount: string;
}

export interface DefragRule {
  text: string;
  terms: RuleTerm[];
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Which units each metric takes. */
const TAKES: Record<RuleMetric, readonly ('bytes' | '%')[]> = {
  dbSize: ['bytes'],
  dbSizeInUse: ['bytes'],
  free: ['bytes', '%'],
  inUse: ['%'],
  quotaUsed: ['%'],
};

const TERM = /^\s*([A-Za-z]+)\s*(>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+|%)?\s*$/;
const FORM = 'expected e.g. "free > 200MiB", "inUse < 50%" or "dbSize > 1GiB and inUse < 60%"';

/** A byte size such as 200MiB, 1.5GB or 4096 (bytes); null when it is not one. */
export function parseBytes(text: string): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!m) return null;
  const unit = m[2] ? UNITS[m[2].toLowerCase()] : 1;
  if (!unit) return null;
  const n = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : null;
}

/** Parses one rule; throws an Error whose message says what is wrong and what was expected. */
export function parseRule(text: string): DefragRule {
  const parts = text.split(/\s+and\s+/i);
  if (!text.trim()) throw new Error(`is empty; ${FORM}`);
  const terms = parts.map((part): RuleTerm => {
    const m = TERM.exec(part);
    if (!m) throw new Error(`cannot read ${JSON.stringify(part.trim())}; ${FORM}`);
    const [, name, op, num, unitText] = m;
    const metric = (Object.keys(TAKES) as RuleMetric[]).find((k) => k.toLowerCase() === name.toLowerCase());
    if (!metric) throw new Error(`unknown figure "${name}"; a rule compares ${Object.keys(TAKES).join(', ')}`);
    const unit = unitText === '%' ? '%' : 'bytes';
    if (!TAKES[metric].includes(unit)) {
      throw new Error(
        unit === '%'
          ? `${metric} is compared in bytes (e.g. ${metric} > 1GiB)${metric === 'dbSize' ? '; for its share of the quota write quotaUsed > 80%' : '; for its share of dbSize write inUse < 50%'}`
          : `${metric} is a share, compared in % (e.g. ${metric} ${metric === 'inUse' ? '< 50%' : '> 80%'})`,
      );
    }
    let value: number;
    if (unit === '%') {
      value = Number(num);
      if (value > 100) throw new Error(`${metric} ${op} ${num}%: a share is at most 100%`);
    } else {
      const bytes = parseBytes(`${num}${unitText ?? ''}`);
      if (bytes === null) throw new Error(`unknown unit "${unitText}" in ${JSON.stringify(part.trim())}; use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB`);
      value = bytes;
    }
    return { metric, op: op as RuleOp, value, unit, amount: `${num}${unit === '%' ? '%' : (unitText ?? '')}` };
  });
  return { text: text.trim().replace(/\s+/g, ' '), terms };
}

/** A member's figures as the rules see them; null when it does not answer. */
export interface DefragFigures {
  dbSize: number;
  dbSizeInUse: number;
  free: number;
  /** dbSizeInUse / dbSize, 0..100. */
  inUsePct: number;
  /** dbSize / quota, 0..100. */
  quotaUsedPct: number;
  quotaBytes: number;
  quotaSource: 'metrics' | 'default';
}

export function figuresOf(m: MemberState): DefragFigures | null {
  if (!m.reachable || m.dbSize === null || m.dbSizeInUse === null || m.dbSize <= 0) return null;
  const { quotaBytes, quotaSource } = memberQuota(m);
  return {
    dbSize: m.dbSize,
    dbSizeInUse: m.dbSizeInUse,
    free: Math.max(0, m.dbSize - m.dbSizeInUse),
    inUsePct: (m.dbSizeInUse / m.dbSize) * 100,
    quotaUsedPct: (m.dbSize / quotaBytes) * 100,
    quotaBytes,
    quotaSource,
  };
}

/** Whether the rule holds for these figures, and why in words ("free 312 MB > 200MiB, inUse 41% < 50%"). */
export function evaluateRule(rule: DefragRule, f: DefragFigures): { holds: boolean; why: string } {
  const parts = rule.terms.map((t) => {
    const actual = valueOf(t, f);
    const holds = compare(actual, t.op, t.value);
    const shown = t.unit === '%' ? `${round1(actual)}%` : formatBytes(actual);
    const quota = t.metric === 'quotaUsed' && f.quotaSource === 'default' ? ' of the assumed 2 GiB default quota' : '';
    return { holds, text: `${t.metric} ${shown}${quota} ${holds ? '' : 'not '}${t.op} ${t.amount}` };
  });
  return { holds: parts.every((p) => p.holds), why: parts.map((p) => p.text).join(', ') };
}

function valueOf(t: RuleTerm, f: DefragFigures): number {
  switch (t.metric) {
    case 'dbSize':
      return f.dbSize;
    case 'dbSizeInUse':
      return f.dbSizeInUse;
    case 'free':
      return t.unit === '%' ? (f.free / f.dbSize) * 100 : f.free;
    case 'inUse':
      return f.inUsePct;
    case 'quotaUsed':
      return f.quotaUsedPct;
  }
}

function compare(a: number, op: RuleOp, b: number): boolean {
  return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export interface DryRunMember {
  id: string;
  name: string;
  isLeader: boolean;
  figures: DefragFigures | null;
  selected: boolean;
  /** The rules that hold, with the figures that make them hold. */
  matched: { rule: string; why: string }[];
  /** Why it is not selected, when it is not. */
  reason: string | null;
}

export interface DefragDryRun {
  /** Each rule with exactly the members it selects. */
  rules: { rule: string; members: { id: string; name: string; why: string }[] }[];
  members: DryRunMember[];
  /** The selected members in the order the rolling defragment takes them: followers first, the leader last. */
  order: { id: string; name: string; isLeader: boolean }[];
  /** What the rolling defragment checks before it starts (lib/ops/preflight.ts defragChecks). */
  checks: Check[];
  /** Why it would be refused now, null when it would run (or when nothing is selected). */
  refusal: string | null;
  /** Bytes the selected members would give back (their free pages). */
  gain: number;
}

/** What a defragment by these rules would do now: nothing is run. */
export function defragDryRun(ring: RingState, rules: DefragRule[]): DefragDryRun {
  const members: DryRunMember[] = ring.members.map((m) => {
    const figures = figuresOf(m);
    const base = { id: m.id, name: m.name || m.id, isLeader: m.isLeader, figures };
    if (!figures) return { ...base, selected: false, matched: [], reason: m.reachable ? 'it reports no db size' : 'it does not answer' };
    const matched = rules.flatMap((r) => {
      const e = evaluateRule(r, figures);
      return e.holds ? [{ rule: r.text, why: e.why }] : [];
    });
    const why = rules.map((r) => evaluateRule(r, figures).why).join('; ');
    return { ...base, selected: matched.length > 0, matched, reason: matched.length ? null : rules.length ? `no rule holds: ${why}` : 'no rules are configured' };
  });
  const targets = ring.members.filter((m) => members.find((x) => x.id === m.id)!.selected);
  const checks = targets.length ? defragChecks(ring, targets) : [];
  return {
    rules: rules.map((r) => ({
      rule: r.text,
      members: members.flatMap((m) => m.matched.filter((x) => x.rule === r.text).map((x) => ({ id: m.id, name: m.name, why: x.why }))),
    })),
    members,
    order: defragOrder(ring, targets).map((m) => ({ id: m.id, name: m.name || m.id, isLeader: m.isLeader })),
    checks,
    refusal: refusal(checks),
    gain: members.reduce((n, m) => n + (m.selected ? m.figures!.free : 0), 0),
  };
}

export type DefragDecision =
  | { action: 'run'; memberIds: string[]; reason: string; plan: DefragDryRun }
  | { action: 'skip'; reason: string; plan: DefragDryRun | null }
  | { action: 'wait'; until: number; reason: string };

export interface ScheduleInput {
  ring: RingState;
  rules: DefragRule[];
  everyMs: number;
  /** When the last scheduled run started (epoch ms), null if never. */
  lastRunAt: number | null;
  now: number;
  /** An operation is running on this cluster (the runner allows one at a time). */
  busy: boolean;
  hash?: HashCheck | null;
  /** A ring state older than this is stale (default 3 poll intervals). */
  maxStateAgeMs?: number;
}

/**
 * What a scheduled run does now. Runs only on a healthy ring (every member answers and follows
 * the leader, quorum, no alarm: NOSPACE recovery is its own guided operation), with a fresh
 * state, no operation running and no HashKV disagreement; then the members the rules select,
 * followers first and the leader last (defragOrder), for the rolling defragment to take one at
 * a time. Everything else is a skip with the reason in words, or a wait until it is due.
 */
export function decideScheduledDefrag(i: ScheduleInput): DefragDecision {
  if (i.lastRunAt !== null && i.now < i.lastRunAt + i.everyMs) {
    return { action: 'wait', until: i.lastRunAt + i.everyMs, reason: 'not due yet' };
  }
  const skip = (reason: string, plan: DefragDryRun | null = null): DefragDecision => ({ action: 'skip', reason, plan });
  if (i.busy) return skip('another operation is running on this cluster');
  const age = i.now - Date.parse(i.ring.at);
  const maxAge = i.maxStateAgeMs ?? 3 * i.ring.pollIntervalMs;
  if (age > maxAge) return skip(`the ring's state is ${Math.round(age / 1000)} s old: Ringside cannot see the ring right now`);
  if (i.ring.health !== 'healthy') return skip(`the ring is not healthy (${i.ring.summary}); scheduled defragmentation runs only on a healthy ring`);
  if (i.hash?.consistent === false) return skip(`HashKV disagrees (${i.hash.summary}): resolve that first`);
  if (i.rules.length === 0) return skip('no defragment rules are configured');
  const plan = defragDryRun(i.ring, i.rules);
  if (plan.order.length === 0) return skip('no member matches a rule', plan);
  if (plan.refusal) return skip(plan.refusal, plan);
  return {
    action: 'run',
    memberIds: plan.order.map((m) => m.id),
    reason: plan.order.map((m) => `${m.name}: ${plan.members.find((x) => x.id === m.id)!.matched.map((x) => x.why).join('; ')}`).join(' | '),
    plan,
  };
}
