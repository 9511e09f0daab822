import {
  compareVersions,
  END_OF_LIFE,
  flagChangesFor,
  flagsForTarget,
  hasDataLossBug,
  lowestVersion,
  MIN_35_BEFORE_36,
  minorOf,
  MODELLED_MINORS,
  parseEtcdVersion,
  V2STORE_CHECK,
  type ParsedFlag,
} from '../model/etcd-versions';
import { THRESHOLDS } from '../model/thresholds';
import type { HashCheck } from '../ring/hashkv';
import type { MemberState, RingState } from '../ring/types';
import { allVotersAgree, isHealthyVoter, nextLeader, type SnapshotFreshness } from './preflight';
import type { Check, UpgradeDirection, UpgradeMember, UpgradeStep, UpgradeView } from './types';

/** What a member's /version said, or why it did not answer (lib/etcd/version-endpoint.ts). */
export type VersionsReply = { server: string | null; cluster: string | null; storage: string | null } | { error: string };

export interface UpgradeInput {
  ring: RingState;
  /** X.Y.Z, already validated by the API. */
  target: string;
  /** Recent HashKV checks, oldest first (the monitor keeps about the last 100). */
  hashes: HashCheck[];
  snapshot: SnapshotFreshness;
  /** /version of each member, by member ID. */
  versions: Map<string, VersionsReply>;
  /** Each member's flags from its pod's command, by member ID, when Ringside follows Kubernetes pods. */
  flags: Map<string, ParsedFlag[]>;
}

/**
 * A rolling upgrade (or 3.6 -> 3.5 downgrade), derived from the ring alone: Ringside cannot
 * replace binaries, so it says exactly what to do to one member at a time and reads from the ring
 * whether that member is back, caught up, on the target version and agreeing on HashKV before it
 * hands out the next. Pure: the truth is what the members answer; a reload resumes where the ring is.
 *
 * etcd's procedure (upgrade_3_5.md, upgrade_3_6.md, downgrade_3_6.md): a healthy ring and a
 * snapshot first, one minor at a time, one member at a time; before 3.6 every 3.5 member on the
 * patch the guide names; the leader last; for a downgrade, `etcdctl downgrade enable` first and
 * the storage version migrated on every member before any binary changes.
 */
export function upgradeView(input: UpgradeInput): UpgradeView {
  const { ring, target, hashes } = input;
  const voters = ring.members.filter((m) => !m.isLearner);
  // Moving down, the move starts from the highest version (members already moved run the target,
  // the lowest); moving up, from the lowest.
  const versions = voters.map((m) => m.version);
  const highest = versions.reduce<string | null>((a, v) => (v !== null && (a === null || compareVersions(v, a) > 0) ? v : a), null);
  const from = highest !== null && compareVersions(highest, target) > 0 ? highest : lowestVersion(versions);
  const direction = directionOf(from, target);
  const unsupported = unsupportedMove(from, target, direction);
  const reported = [...input.versions.values()].flatMap((v) => ('error' in v ? [] : [v]));
  const clusterVersion = mostCommon(reported.map((v) => v.cluster));
  const tMinor = minorOf(target)!;

  const caughtUp = (m: MemberState) => {
    const leader = ring.members.find((x) => x.isLeader);
    return leader?.raftIndex != null && m.raftAppliedIndex !== null && leader.raftIndex - m.raftAppliedIndex <= THRESHOLDS.applyLag.warning;
  };
  // Its hash agreed with the others' at a check made while it ran the target: any such check since
  // its restart, so a member verified before the next one stopped stays verified while that one is down.
  const verified = (m: MemberState) => hashes.some((c) => c.consistent === true && c.members.some((h) => h.id === m.id && h.verdict === 'agree' && h.version === target));
  const isDone = (m: MemberState) => m.version === target && isHealthyVoter(ring, m) && caughtUp(m) && (direction === 'none' || verified(m));

  // Order: done, then those already on the target, then followers by name, the leader last.
  const rank = (m: MemberState) => (isDone(m) ? 0 : m.version === target ? 1 : m.isLeader ? 3 : 2);
  const ordered = [...voters].sort((a, b) => rank(a) - rank(b) || (a.name || a.id).localeCompare(b.name || b.id));
  const current = direction === 'none' ? null : (ordered.find((m) => !isDone(m)) ?? null);

  const downgrade = direction === 'downgrade' ? downgradeState(tMinor, input.versions, voters) : null;
  const anyMoved = voters.some((m) => m.version === target) || Boolean(downgrade?.enabled);
  const stage: UpgradeView['stage'] =
    direction === 'none' || (current === null && !unsupported) ? 'done' : !anyMoved ? 'preflight' : downgrade && !(downgrade.enabled && downgrade.migrated) ? 'enable-downgrade' : 'members';

  const checks = unsupported ? [{ key: 'path', ok: false, severity: 'block' as const, message: unsupported }] : preflight(input, { from: from!, direction, stage, current, voters });
  const blocking = checks.filter((c) => !c.ok && c.severity === 'block');
  const blocked = blocking.length ? blocking.map((c) => c.message).join(' ') : null;

  const members: UpgradeMember[] = ordered.map((m) => {
    const v = input.versions.get(m.id);
    const state = m === current ? currentState(m, target, caughtUp, verified) : isDone(m) ? 'done' : 'waiting';
    return {
      id: m.id,
      name: m.name || m.id,
      version: m.version,
      clusterVersion: v && !('error' in v) ? v.cluster : null,
      storageVersion: v && !('error' in v) ? v.storage : null,
      isLeader: m.isLeader,
      reachable: m.reachable,
      state,
      detail: detailOf(m, state, target, v),
      flags: m.version && input.flags.has(m.id) ? flagsForTarget(m.version, target, input.flags.get(m.id)!) : [],
    };
  });

  const notes: string[] = [];
  if (direction === 'upgrade') notes.push(`Until every member runs ${tMinor}, the ring speaks ${minorOf(from)}'s protocol (mixed versions are normal only during this).`);
  if (direction === 'downgrade') notes.push(`Once the downgrade is enabled, the ring speaks ${tMinor}'s protocol, even while members still run ${minorOf(from)} (downgrade_3_6.md).`);
  if (direction === 'upgrade') notes.push(`Once every member runs ${tMinor}, the cluster version becomes ${tMinor} and etcd does not go back without its downgrade procedure: the snapshot taken before is the way back.`);
  if (downgrade) notes.push('While some member still runs 3.6, `etcdctl downgrade cancel` and the 3.6 binaries undo the downgrade.');
  if (input.flags.size === 0 && direction !== 'none') notes.push('Ringside cannot read the members\' flags (no Kubernetes source): check each member\'s configuration against the changes listed.');

  const memberView = current ? members.find((x) => x.id === current.id)! : null;
  const mayGo = stage === 'members' && !blocked && memberView?.state === 'next';
  return {
    cluster: ring.cluster,
    target,
    from,
    direction,
    unsupported,
    stage,
    clusterVersion,
    checks,
    blocked: stage === 'done' ? null : blocked,
    members,
    currentId: current?.id ?? null,
    steps: memberView && (mayGo || (stage === 'preflight' && !blocked)) ? memberSteps(memberView, current!, input, direction) : [],
    moveLeaderTo: memberView?.isLeader && (mayGo || (stage === 'preflight' && !blocked)) ? pick(nextLeader(ring, [memberView.id])) : null,
    downgrade,
    flagChanges: from && !unsupported ? flagChangesFor(from, target) : [],
    notes,
  };
}

function pick(m: MemberState | null) {
  return m ? { id: m.id, name: m.name || m.id } : null;
}

function directionOf(from: string | null, target: string): UpgradeDirection {
  if (!from) return 'upgrade';
  const c = compareVersions(target, from);
  if (minorOf(target) === minorOf(from)) return c === 0 ? 'none' : 'patch';
  return c > 0 ? 'upgrade' : 'downgrade';
}

/** What etcd does not support, or Ringside does not guide, in words. */
function unsupportedMove(from: string | null, target: string, direction: UpgradeDirection): string | null {
  const t = parseEtcdVersion(target)!;
  if (!MODELLED_MINORS.includes(minorOf(target) as (typeof MODELLED_MINORS)[number])) return `Ringside knows etcd 3.4 to 3.6; ${target} is outside what it can guide.`;
  if (!from) return 'No member reports its version right now: the plan needs to know what the ring runs.';
  const f = parseEtcdVersion(from)!;
  const gap = t.minor - f.minor;
  if (t.major !== f.major || Math.abs(gap) > 1) return `etcd moves one minor at a time: from ${from}, go to ${f.major}.${f.minor + Math.sign(gap)} first (${minorOf(from)} -> ${f.major}.${f.minor + Math.sign(gap)} -> ${minorOf(target)}).`;
  if (direction === 'downgrade' && minorOf(from) !== '3.6') {
    return `etcd ${minorOf(from)} has no downgrade through its API (etcd 3.6 is the first to support one). ${minorOf(from)} -> ${minorOf(target)} is a manual procedure in etcd's downgrade guide (not with auth enabled); Ringside does not guide it.`;
  }
  return null;
}

function mostCommon(xs: (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const x of xs) if (x) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/**
 * 3.6 -> 3.5: enabled once the members' cluster version is 3.5 (etcd sets it to the target when
 * `downgrade enable` succeeds); migrated once every 3.6 member's storage version is 3.5.0 (etcd
 * migrates the schema in the background; downgrade_3_6.md step 4).
 */
function downgradeState(tMinor: string, versions: Map<string, VersionsReply>, voters: MemberState[]): NonNullable<UpgradeView['downgrade']> {
  const replies = voters.map((m) => versions.get(m.id)).filter((v): v is Exclude<VersionsReply, { error: string }> => Boolean(v) && !('error' in v!));
  const enabled = replies.length > 0 && replies.every((v) => minorOf(v.cluster) === tMinor);
  const on36 = replies.filter((v) => minorOf(v.server) === '3.6');
  const migrated = enabled && on36.every((v) => minorOf(v.storage) === tMinor);
  return { enabled, migrated, commands: [`etcdctl downgrade validate ${tMinor}`, `etcdctl downgrade enable ${tMinor}`] };
}

function currentState(m: MemberState, target: string, caughtUp: (m: MemberState) => boolean, verified: (m: MemberState) => boolean): UpgradeMember['state'] {
  if (!m.reachable) return 'restarting';
  if (m.version !== target) return 'next';
  if (!caughtUp(m)) return 'catching-up';
  return verified(m) ? 'done' : 'verifying';
}

function detailOf(m: MemberState, state: UpgradeMember['state'], target: string, v: VersionsReply | undefined): string {
  const name = m.name || m.id;
  switch (state) {
    case 'done':
      return `runs ${target}, healthy, caught up, and its hash agrees with every voter`;
    case 'next':
      return `runs ${m.version}: this is the member to do now`;
    case 'restarting':
      return `does not answer (${m.error ?? 'down'}): Ringside waits for ${name} to start on ${target}`;
    case 'catching-up':
      return `back on ${target}; catching up with the leader (applied index ${m.raftAppliedIndex ?? '?'})`;
    case 'verifying':
      return `back on ${target} and caught up; waiting for a HashKV check that compares it with every voter`;
    case 'waiting':
      if (!m.reachable) return `does not answer (${m.error ?? 'down'}): it must be back before the next member`;
      return v && 'error' in v ? `runs ${m.version}; its /version did not answer (${v.error})` : `runs ${m.version}; waits its turn`;
  }
}

interface Situation {
  from: string;
  direction: UpgradeDirection;
  stage: UpgradeView['stage'];
  current: MemberState | null;
  voters: MemberState[];
}

/**
 * What must hold before the first member moves, and again before each next one. `block` withholds
 * the next member's instructions; `warn` is for the operator to read (what Ringside cannot see).
 */
function preflight(input: UpgradeInput, s: Situation): Check[] {
  const { ring, target, snapshot } = input;
  const hash = input.hashes.at(-1) ?? null;
  const checks: Check[] = [];
  const add = (key: string, ok: boolean, message: string, severity: Check['severity'] = 'block') => checks.push({ key, ok, severity, message });
  const tMinor = minorOf(target)!;
  const started = s.stage !== 'preflight';
  const label = (m: MemberState) => m.name || m.id;

  if (hasDataLossBug(target)) add('target-version', false, `${target} can lose committed writes when a member is killed under load (3.5.0-3.5.2, fixed in 3.5.3): choose a later 3.5 patch.`);
  else if (tMinor === '3.5' && compareVersions(target, MIN_35_BEFORE_36) < 0) add('target-version', true, `${target} is below ${MIN_35_BEFORE_36}, the 3.5 patch etcd's guide requires before 3.6: a later 3.5 spares another round of upgrades.`, 'warn');

  add('membership', ring.membersKnown, ring.membersKnown ? 'The member list is current.' : 'No member answered the member list: Ringside cannot see the membership right now.');
  // While a member is being done it may be down; every other voter must be healthy.
  const busy = started && s.current && !isHealthyVoter(ring, s.current) ? s.current : null;
  const down = s.voters.filter((m) => m !== busy && !isHealthyVoter(ring, m));
  add('healthy', down.length === 0, down.length === 0
    ? `Every ${busy ? 'other ' : ''}voter is healthy.`
    : `${down.map(label).join(', ')} ${down.length > 1 ? 'are' : 'is'} not a healthy voter (${down.map((m) => m.error ?? 'not following the leader').join('; ')}): bring ${down.length > 1 ? 'them' : 'it'} back before ${started ? 'the next member' : 'starting'}.`);

  if (s.voters.length === 1) {
    add('margin', true, 'A 1-member ring cannot roll: its restart stops the cluster. Upgrade it in a maintenance window.', 'warn');
  } else {
    const margin = ring.quorum.canLose >= 1 || Boolean(busy);
    add('margin', margin, margin
      ? `The ring can lose ${busy ? 'the member being upgraded' : `${ring.quorum.canLose} member${ring.quorum.canLose === 1 ? '' : 's'}`} and keep quorum.`
      : 'The ring has no fault margin: stopping a member to upgrade it would stop every write. Bring failed members back first.');
  }

  add('alarms', ring.alarmsKnown && ring.alarms.length === 0, !ring.alarmsKnown ? 'The alarm list cannot be read right now (it needs quorum).' : ring.alarms.length ? `${[...new Set(ring.alarms.map((a) => a.alarm))].join(' and ')} alarm active: resolve it before upgrading.` : 'No alarm is active.');

  const agree = allVotersAgree(ring, hash);
  if (!busy) {
    add('hashkv', agree, agree
      ? `HashKV at revision ${hash!.revision} agrees on all ${s.voters.length} voters.`
      : hash?.consistent === false
        ? `HashKV disagrees (${hash.summary}): replace the member that differs before upgrading.`
        : `HashKV has not compared every voter yet (${hash?.summary ?? 'no check yet'}): wait for a check that includes all of them.`);
  }

  const age = snapshot.newestAt ? snapshot.now - Date.parse(snapshot.newestAt) : null;
  const fresh = age !== null && age <= snapshot.maxAgeMs;
  const minutes = (ms: number) => (ms < 60_000 ? 'less than a minute' : `${Math.round(ms / 60_000)} min`);
  add('snapshot', fresh || started, fresh
    ? `A verified snapshot from ${minutes(age!)} ago exists: the way back if the upgrade goes wrong.`
    : started
      ? 'The upgrade is under way: the snapshot taken before it is the way back.'
      : `${age === null ? 'No snapshot of this cluster exists' : `The newest snapshot is ${minutes(age)} old`}; take one now (at most ${Math.round(snapshot.maxAgeMs / 60_000)} min old is required).`, started ? 'warn' : 'block');

  const learner = ring.members.find((m) => m.isLearner);
  add('no-learner', !learner, learner ? `A learner is pending (${label(learner)}): promote or remove it first (3.5 -> 3.6 upgrades with a learner fail with "too many learner members", etcd issue 19557).` : 'No learner is pending.');

  if (s.direction === 'upgrade' && tMinor === '3.6') {
    const low = s.voters.filter((m) => minorOf(m.version) === '3.5' && compareVersions(m.version, MIN_35_BEFORE_36) < 0);
    add('patch-level', low.length === 0, low.length === 0
      ? `Every 3.5 member runs ${MIN_35_BEFORE_36} or later, as the 3.5 -> 3.6 guide requires.`
      : `${low.map((m) => `${label(m)} (${m.version})`).join(', ')}: the 3.5 -> 3.6 guide requires ${MIN_35_BEFORE_36}+ on every member first (older patches fail with "too many learner members" or leave zombie members). Upgrade to the newest 3.5 patch first.`);
    const v2 = s.voters.filter((m) => input.flags.get(m.id)?.some((f) => f.name === 'enable-v2' && f.value !== 'false'));
    add('v2store', v2.length === 0, v2.length
      ? `${v2.map(label).join(', ')} ${v2.length > 1 ? 'run' : 'runs'} with --enable-v2, which 3.6 refuses: check the v2 store (${V2STORE_CHECK} <data dir>, etcdutl ${MIN_35_BEFORE_36}+ on each member) and remove the flag first.`
      : `Ringside cannot read data dirs: if --enable-v2 (or ETCD_ENABLE_V2) was ever set, run ${V2STORE_CHECK} <data dir> with etcdutl ${MIN_35_BEFORE_36}+ on each member first; it must report "No custom content found in both v2store and WAL records".`, v2.length ? 'block' : 'warn');
  }
  if (s.direction === 'upgrade' && tMinor === '3.5') {
    add('auth', true, 'If auth is enabled, etcd does not support a rolling upgrade from 3.4 to 3.5 (3.5 changes the format of auth entries in the WAL): Ringside cannot tell from here.', 'warn');
    const last34 = END_OF_LIFE['3.4'].last;
    const behind = s.voters.filter((m) => minorOf(m.version) === '3.4' && compareVersions(m.version, last34) < 0);
    if (behind.length) {
      const on = [...new Set(behind.map((m) => m.version!))];
      const who =
        behind.length === s.voters.length && on.length === 1
          ? `every member runs ${on[0]}`
          : on
              .map((v) => {
                const ms = behind.filter((m) => m.version === v).map(label);
                return `${ms.join(' and ')} ${ms.length > 1 ? 'run' : 'runs'} ${v}`;
              })
              .join(', ');
      add('patch-level', true, `etcd's upgrade policy: update to the newest patch before the next minor (${last34}, the last 3.4); ${who}.`, 'warn');
    }
  }
  if (s.direction === 'downgrade') {
    add('downgrade-target', compareVersions(target, MIN_35_BEFORE_36) >= 0, compareVersions(target, MIN_35_BEFORE_36) >= 0
      ? `${target} is a current 3.5 patch, as the downgrade guide asks (the newest 3.5).`
      : `Downgrade to the newest 3.5 (the guide asks for the latest release; ${MIN_35_BEFORE_36}+), not ${target}.`);
  }

  const withFlags = s.voters.filter((m) => input.flags.has(m.id) && m.version && flagsForTarget(m.version, target, input.flags.get(m.id)!).some((f) => f.severity === 'error'));
  if (input.flags.size > 0) {
    add('flags', withFlags.length === 0, withFlags.length
      ? `${withFlags.map(label).join(', ')} ${withFlags.length > 1 ? 'run' : 'runs'} with flags ${target} refuses: each member's step gives the exact replacement to make before starting it.`
      : `No member's flags stop ${target} from starting (deprecated ones are listed with their replacements).`, 'warn');
  }
  return checks;
}

/**
 * What to do to the member now, in etcd's words (upgrade_3_6.md steps 3-4): leadership away if it
 * leads, stop it, (3.5 -> 3.6) check its v2 store, replace the binary, change the flags the target
 * refuses or renames, start it on the same data dir.
 */
function memberSteps(view: UpgradeMember, m: MemberState, input: UpgradeInput, direction: UpgradeDirection): UpgradeStep[] {
  const { target } = input;
  const steps: UpgradeStep[] = [];
  const name = view.name;
  if (m.isLeader && input.ring.members.filter((x) => !x.isLearner).length > 1) {
    steps.push({ title: `Move leadership away from ${name} first`, text: 'etcd recommends the leader last, and a planned hand-over beats an election when it stops: use Move leader below, or etcdctl move-leader.' });
  }
  steps.push({ title: `Stop etcd on ${name}`, text: `Stop only this member (systemd: systemctl stop etcd; kubeadm: move its static pod manifest out of /etc/kubernetes/manifests, or change the image in the next step). The others keep quorum.` });
  if (direction === 'upgrade' && minorOf(target) === '3.6') {
    steps.push({ title: 'While it is stopped: check its v2 store (if --enable-v2 was ever set)', commands: [`${V2STORE_CHECK} /var/lib/etcd`], text: `With etcdutl ${MIN_35_BEFORE_36}+ on its data dir. Anything but "No custom content found in both v2store and WAL records": start it again on 3.5 and follow the guide's v2store steps.` });
  }
  const image = `registry.k8s.io/etcd:${target}-0`;
  steps.push({ title: `Replace its etcd binary with ${target}`, text: `Install etcd ${target} (on Kubernetes, the pod's image, e.g. ${image}). Keep the data dir and the configuration.` });
  if (view.flags.length) {
    steps.push({
      title: 'Change these flags before starting it',
      commands: [...new Set(view.flags.map((f) => (f.replacement ? `${f.flag}  ->  ${f.replacement}` : `${f.flag}  ->  (remove)`)))],
      text: 'From its pod\'s command. Do not keep the old spelling next to the new one: etcd 3.6 refuses both at once.',
    });
  } else if (input.flags.size === 0 && direction !== 'patch') {
    steps.push({ title: 'Check its flags against the changes below', text: `Ringside cannot read this member's configuration: any flag listed under "Flag changes" must be changed before it starts on ${target}.` });
  }
  steps.push({ title: `Start it on ${target} with the same data dir`, text: `Ringside then waits until ${name} answers, runs ${target}, has caught up with the leader, and its HashKV agrees with every voter, before it shows the next member.` });
  return steps;
}
