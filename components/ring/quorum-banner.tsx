import { OctagonX, ShieldAlert, ShieldCheck, ShieldQuestion } from 'lucide-react';
import type { RingState } from '@/lib/ring/types';

/** The one line that matters most: can the ring take writes, and how many more failures can it absorb. */
export function QuorumBanner({ ring }: { ring: RingState }) {
  const { quorum } = ring;
  const detail = `${quorum.healthy} of ${quorum.voters} voters healthy · ${quorum.needed} needed for quorum`;

  if (ring.health === 'unknown') {
    return (
      <Banner tone="border-unknown/50 bg-unknown-bg text-unknown" Icon={ShieldQuestion} title="QUORUM UNKNOWN: no member answers Ringside" detail="Ringside cannot reach any member; the ring may be down or the network between us cut." />
    );
  }
  if (!quorum.hasQuorum) {
    return <Banner tone="border-crit/60 bg-crit-bg text-crit" Icon={OctagonX} title="NO QUORUM: writes are blocked" detail={`${detail}. Bring members back before changing membership.`} />;
  }
  if (quorum.canLose === 0) {
    return (
      <Banner tone="border-warn/60 bg-warn-bg text-warn" Icon={ShieldAlert} title="Quorum holds, but cannot lose any more members" detail={`${detail}. One more failure stops all writes.`} />
    );
  }
  return (
    <Banner
      tone="border-ok/40 bg-ok-bg text-ok"
      Icon={ShieldCheck}
      title={`Quorum OK: can lose ${quorum.canLose} more member${quorum.canLose === 1 ? '' : 's'}`}
      detail={detail}
    />
  );
}

function Banner({ tone, Icon, title, detail }: { tone: string; Icon: typeof ShieldCheck; title: string; detail: string }) {
  return (
    <div role="status" aria-label="Quorum" className={`flex items-center gap-3 rounded-lg border px-4 py-3 ${tone}`}>
      <Icon className="size-7 shrink-0" aria-hidden />
      <div>
        <div className="text-lg font-semibold leading-tight">{title}</div>
        <div className="text-sm text-fg/80 num">{detail}</div>
      </div>
    </div>
  );
}
