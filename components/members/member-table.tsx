'use client';

import { Ban, CircleDashed, CircleDot, Crown, GraduationCap, Split, XCircle } from 'lucide-react';
import { formatAge, formatBytes, formatLatency, formatNumber } from '@/lib/model/format';
import { memberLabel } from '@/lib/model/labels';
import type { MemberState, RingState } from '@/lib/ring/types';
import { roleOf } from '../ring/ring-topology';

const roleCell = {
  leader: { Icon: Crown, text: 'Leader', tone: 'text-ok' },
  follower: { Icon: CircleDot, text: 'Follower', tone: 'text-fg' },
  learner: { Icon: GraduationCap, text: 'Learner', tone: 'text-info' },
  down: { Icon: XCircle, text: 'Down', tone: 'text-crit' },
  unstarted: { Icon: CircleDashed, text: 'Not started', tone: 'text-muted' },
  split: { Icon: Split, text: 'Split from the ring', tone: 'text-warn' },
} as const;

/** A follower is normally a proposal or two behind; only a real gap is worth pointing at. */
const APPLY_LAG_SHOWN = 5;

/**
 * The columns of `etcdctl endpoint status -w table` (IDs in hex), plus what a monitor adds:
 * name, role, revision, latency and when the member last answered.
 */
export function MemberTable({ ring, now }: { ring: RingState; now: number }) {
  const leader = ring.members.find((m) => m.isLeader);
  const members = [...ring.members].sort((a, b) => memberLabel(a).localeCompare(memberLabel(b), undefined, { numeric: true }));
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-[13px]" aria-label="Members">
        <thead>
          <tr className="border-b border-line text-left text-[11px] font-semibold uppercase tracking-wider text-muted">
            <Th>Member</Th>
            <Th>Status</Th>
            <Th>Endpoint</Th>
            <Th>ID</Th>
            <Th>Version</Th>
            <Th right>DB size / in use</Th>
            <Th>Is leader</Th>
            <Th>Is learner</Th>
            <Th right>Raft term</Th>
            <Th right>Revision</Th>
            <Th right>Raft index</Th>
            <Th right>Applied index</Th>
            <Th right>Latency</Th>
            <Th right>Last seen</Th>
            <Th>Errors</Th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <MemberRow key={m.id} m={m} leader={leader} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MemberRow({ m, leader, now }: { m: MemberState; leader?: MemberState; now: number }) {
  const role = roleCell[roleOf(m)];
  const lag = leader?.raftIndex !== null && leader?.raftIndex !== undefined && m.raftAppliedIndex !== null ? leader.raftIndex - m.raftAppliedIndex : null;
  const dim = m.reachable ? '' : 'text-faint';
  return (
    <tr className={`border-b border-line/60 last:border-0 ${m.reachable ? '' : 'bg-crit-bg/40'}`} data-member={m.id} aria-label={memberLabel(m)}>
      <Td className="font-semibold">{m.name || <span className="text-muted italic">unnamed</span>}</Td>
      <Td>
        <span className={`inline-flex items-center gap-1.5 font-medium ${role.tone}`}>
          <role.Icon className="size-4" aria-hidden />
          {role.text}
        </span>
        {/* Wide enough to read the reason as a sentence, also where the table scrolls on a phone. */}
        {m.error && <div className="min-w-[11rem] max-w-[16rem] whitespace-normal text-xs text-crit">{m.error}</div>}
      </Td>
      <Td className="font-mono text-xs">{m.endpoint ?? <span className="text-muted">none</span>}</Td>
      <Td className="font-mono text-xs">{m.id}</Td>
      <Td className={`font-mono text-xs ${dim}`}>{m.version ?? '—'}</Td>
      <Td right className={dim}>
        {formatBytes(m.dbSize)}
        {m.dbSizeInUse !== null && <div className="text-xs text-muted">{formatBytes(m.dbSizeInUse)} in use</div>}
      </Td>
      <Td className={dim}>{m.reachable ? (m.isLeader ? 'true' : 'false') : '—'}</Td>
      <Td>{m.isLearner ? 'true' : 'false'}</Td>
      <Td right className={dim}>{formatNumber(m.raftTerm)}</Td>
      <Td right className={dim}>{formatNumber(m.revision)}</Td>
      <Td right className={dim}>{formatNumber(m.raftIndex)}</Td>
      <Td right className={dim}>
        {formatNumber(m.raftAppliedIndex)}
        {lag !== null && lag >= APPLY_LAG_SHOWN && m.reachable && <span className="ml-1 text-warn" title="behind the leader's raft index">−{formatNumber(lag)}</span>}
      </Td>
      <Td right className={dim}>{m.reachable ? formatLatency(m.latencyMs) : '—'}</Td>
      <Td right className={m.reachable ? 'text-muted' : 'text-crit'}>
        {m.lastSeen ? (m.reachable ? 'now' : `${formatAge(now - Date.parse(m.lastSeen))} ago`) : 'never'}
      </Td>
      <Td className="max-w-[16rem] whitespace-normal">
        {m.errors.length ? (
          <span className="inline-flex items-start gap-1 font-medium text-crit">
            <Ban className="mt-0.5 size-3.5 shrink-0" aria-hidden />
            {m.errors.join(', ')}
          </span>
        ) : (
          <span className="text-faint">—</span>
        )}
      </Td>
    </tr>
  );
}

function Th({ children, right }: { children: React.ReactNode; right?: boolean }) {
  // On a phone the table scrolls in its frame: one-line headers there, two-line ones at a desk.
  return <th className={`whitespace-nowrap px-2.5 py-2 align-bottom leading-tight sm:whitespace-normal ${right ? 'text-right' : ''}`}>{children}</th>;
}

function Td({ children, right, className = '' }: { children: React.ReactNode; right?: boolean; className?: string }) {
  return <td className={`whitespace-nowrap px-3 py-2 align-top ${right ? 'text-right num' : ''} ${className}`}>{children}</td>;
}
