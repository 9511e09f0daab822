import { memberLabel } from '@/lib/model/labels';
import type { MemberState, RingState } from '@/lib/ring/types';

type Role = 'leader' | 'follower' | 'learner' | 'down' | 'unstarted' | 'split';

export function roleOf(m: MemberState): Role {
  if (!m.started) return 'unstarted';
  // It answers, but as a member of another cluster: not down, and not ours.
  if (m.split) return 'split';
  if (!m.reachable) return 'down';
  if (m.isLeader) return 'leader';
  if (m.isLearner) return 'learner';
  return 'follower';
}

const roleText: Record<Role, string> = {
  leader: 'LEADER',
  follower: 'follower',
  learner: 'learner',
  down: 'DOWN',
  unstarted: 'not started',
  split: 'SPLIT',
};

// Room above the top node for the leader's halo, below the bottom one for two label lines.
const W = 440;
const R = 115;
const CX = W / 2;
const CY = R + 36;
const H = CY + R + 58;

/**
 * Members on a ring in a stable order (by name), so nobody moves when the leader changes. Role is carried by shape and label as well as color:
 * leader = large disc with a crown, learner = diamond, down = crossed-out grey disc, not started =
 * dotted outline.
 */
export function RingTopology({ ring }: { ring: RingState }) {
  const members = stableOrder(ring.members);
  const n = members.length;
  const pos = members.map((_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
    return { x: CX + R * Math.cos(a), y: CY + R * Math.sin(a) };
  });
  const leaderIdx = members.findIndex((m) => m.isLeader && m.reachable);
  const label = `Ring of ${n} members: ${members.map((m) => `${memberLabel(m)} ${roleText[roleOf(m)]}`).join(', ')}`;

  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} className="h-auto w-full max-w-[480px]">
      <circle cx={CX} cy={CY} r={R} fill="none" stroke="var(--border)" strokeWidth={2} strokeDasharray="2 6" />
      {leaderIdx >= 0 &&
        members.map((m, i) =>
          i === leaderIdx || !m.started ? null : (
            <line
              key={`edge-${m.id}`}
              x1={pos[leaderIdx].x}
              y1={pos[leaderIdx].y}
              x2={pos[i].x}
              y2={pos[i].y}
              stroke={m.reachable ? 'var(--accent)' : 'var(--crit)'}
              strokeOpacity={m.reachable ? 0.45 : 0.6}
              strokeWidth={m.reachable ? 2 : 1.5}
              strokeDasharray={m.reachable ? (m.isLearner ? '6 4' : undefined) : '3 5'}
            />
          ),
        )}
      {members.map((m, i) => (
        <MemberNode key={m.id} m={m} x={pos[i].x} y={pos[i].y} />
      ))}
      {n === 0 && (
        <text x={CX} y={CY} textAnchor="middle" fill="var(--muted)" fontSize={14}>
          no members known yet
        </text>
      )}
    </svg>
  );
}

function MemberNode({ m, x, y }: { m: MemberState; x: number; y: number }) {
  const role = roleOf(m);
  const r = role === 'leader' ? 24 : 19;
  const labelY = y + r + 17;
  return (
    <g aria-label={`${memberLabel(m)}: ${roleText[role]}`} data-role={role} data-member={m.id}>
      {role === 'leader' && (
        <>
          <circle cx={x} cy={y} r={r + 6} fill="none" stroke="var(--ok)" strokeOpacity={0.35} strokeWidth={3} />
          <circle cx={x} cy={y} r={r} fill="var(--ok)" />
          <path d={crown(x, y)} fill="var(--bg)" />
        </>
      )}
      {role === 'follower' && <circle cx={x} cy={y} r={r} fill="var(--accent)" />}
      {role === 'learner' && (
        <rect x={x - r * 0.8} y={y - r * 0.8} width={r * 1.6} height={r * 1.6} transform={`rotate(45 ${x} ${y})`} fill="var(--panel-2)" stroke="var(--info)" strokeWidth={2.5} strokeDasharray="5 3" />
      )}
      {role === 'down' && (
        <>
          <circle cx={x} cy={y} r={r} fill="var(--unknown-bg)" stroke="var(--crit)" strokeWidth={2.5} />
          <path d={`M${x - 8} ${y - 8} L${x + 8} ${y + 8} M${x + 8} ${y - 8} L${x - 8} ${y + 8}`} stroke="var(--crit)" strokeWidth={3} strokeLinecap="round" />
        </>
      )}
      {role === 'unstarted' && <circle cx={x} cy={y} r={r} fill="none" stroke="var(--muted)" strokeWidth={2} strokeDasharray="2 4" />}
      {role === 'split' && (
        <>
          {/* A disc cut in two: it runs, in another cluster. */}
          <circle cx={x} cy={y} r={r} fill="var(--warn-bg)" stroke="var(--warn)" strokeWidth={2.5} />
          <path d={`M${x - 3} ${y - r} L${x + 3} ${y + r}`} stroke="var(--bg)" strokeWidth={5} />
          <path d={`M${x - 3} ${y - r} L${x + 3} ${y + r}`} stroke="var(--warn)" strokeWidth={1.5} strokeDasharray="3 3" />
        </>
      )}
      <text x={x} y={labelY} textAnchor="middle" fill="var(--text)" fontSize={14} fontWeight={600}>
        {memberLabel(m).length > 18 ? `${memberLabel(m).slice(0, 17)}…` : memberLabel(m)}
      </text>
      <text
        x={x}
        y={labelY + 15}
        textAnchor="middle"
        fontSize={11}
        fontWeight={role === 'leader' || role === 'down' || role === 'split' ? 700 : 500}
        letterSpacing={0.5}
        fill={role === 'down' ? 'var(--crit)' : role === 'split' ? 'var(--warn)' : role === 'leader' ? 'var(--ok)' : 'var(--muted)'}
      >
        {roleText[role]}
      </text>
    </g>
  );
}

/** A small crown glyph centred on the leader's disc. */
function crown(x: number, y: number): string {
  const w = 20;
  const h = 13;
  const l = x - w / 2;
  const t = y - h / 2;
  return `M${l} ${t + h} L${l} ${t + 3} L${l + w * 0.27} ${t + h * 0.55} L${x} ${t} L${l + w * 0.73} ${t + h * 0.55} L${l + w} ${t + 3} L${l + w} ${t + h} Z`;
}

function stableOrder(members: MemberState[]): MemberState[] {
  return [...members].sort((a, b) => memberLabel(a).localeCompare(memberLabel(b), undefined, { numeric: true }) || a.id.localeCompare(b.id));
}
