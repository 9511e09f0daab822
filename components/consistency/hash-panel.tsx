import { CheckCircle2, CircleHelp, CircleSlash, OctagonX, Siren } from 'lucide-react';
import { attributeCorruptAlarm, lowestVersion } from '@/lib/model/etcd-versions';
import { formatAge, formatNumber } from '@/lib/model/format';
import { suspectsOf, type HashCheck, type HashVerdict } from '@/lib/model/hash-verdicts';
import type { RingState } from '@/lib/ring/types';

const verdictLook: Record<HashVerdict, { Icon: typeof CheckCircle2; text: string; tone: string }> = {
  agree: { Icon: CheckCircle2, text: 'Agree', tone: 'text-ok' },
  mismatch: { Icon: OctagonX, text: 'MISMATCH', tone: 'text-crit font-bold' },
  skipped: { Icon: CircleSlash, text: 'Skipped', tone: 'text-muted' },
};

/**
 * Do the members' data agree? The HashKV grid at one common revision, the alarms beside it, and
 * whom each CORRUPT alarm names: member 0 (nobody, 3.4.23+ and 3.5.7+), the member etcd 3.6's
 * quorum found in the minority, or, before 3.4.23/3.5.7, the member the leader compared.
 */
export function HashPanel({ ring, check, now, named }: { ring: RingState; check: HashCheck | undefined; now: number; named: string[] }) {
  const corrupt = ring.alarms.filter((a) => a.alarm === 'CORRUPT');
  const suspects = suspectsOf(check ?? null);
  const leaderVersion = ring.members.find((m) => m.isLeader)?.version ?? lowestVersion(ring.members.map((m) => m.version));
  const nameOf = (id: string) => ring.members.find((m) => m.id === id)?.name || id;
  return (
    <div className="space-y-3">
      <Verdict check={check} now={now} />
      {corrupt.length > 0 && (
        <div role="alert" className="rounded-md border border-crit/60 bg-crit-bg px-3 py-2 text-sm">
          <div className="flex items-center gap-2 font-semibold text-crit">
            <Siren className="size-4" aria-hidden />
            CORRUPT alarm active: writes fail with &quot;etcdserver: corrupt cluster&quot;, reads still work
          </div>
          {corrupt.map((a) => {
            // Whom etcd names depends on the version of the leader that raised it (lib/model/etcd-versions).
            const who = attributeCorruptAlarm(a.memberId, leaderVersion, nameOf, suspects.map((x) => x.id));
            return (
              <p key={a.memberId} className="mt-1 text-fg/90" data-alarm-member={a.memberId} data-trusted={who.trusted}>
                {who.text}
                {who.memberId === null && suspects.length > 0 && <> This is an inference from the hashes, not etcd&apos;s word.</>}
                {named.length > 0 && (
                  <>
                    {' '}
                    The leader&apos;s corruption check named <strong>{named.join(', ')}</strong> in its log.
                  </>
                )}
              </p>
            );
          })}
        </div>
      )}
      {check && check.members.length > 0 && (
        <table className="w-full text-[13px]" aria-label="HashKV">
          <thead>
            <tr className="border-b border-line text-left text-[11px] font-semibold uppercase tracking-wider text-muted">
              <th className="py-1.5 pr-3">Member</th>
              <th className="py-1.5 pr-3">Verdict</th>
              <th className="py-1.5 pr-3">Hash</th>
              <th className="hidden py-1.5 pr-3 text-right sm:table-cell">Compacted at</th>
              <th className="hidden py-1.5 sm:table-cell">Why</th>
            </tr>
          </thead>
          <tbody>
            {check.members.map((m) => {
              const look = verdictLook[m.verdict];
              return (
                <tr key={m.id} aria-label={m.name} className={`border-b border-line/60 last:border-0 ${m.verdict === 'mismatch' ? 'bg-crit-bg/50' : ''}`}>
                  <td className="py-1.5 pr-3 font-semibold">{m.name}</td>
                  <td className={`py-1.5 pr-3 ${look.tone}`}>
                    <span className="inline-flex items-center gap-1.5">
                      <look.Icon className="size-4" aria-hidden />
                      {look.text}
                    </span>
                    {/* On a phone the reason sits under the verdict instead of in a column of its own. */}
                    {m.reason && <span className="block text-xs font-normal text-muted sm:hidden">{m.reason}</span>}
                  </td>
                  <td className="py-1.5 pr-3 font-mono text-xs">{m.hash === null ? '—' : m.hash.toString(16).padStart(8, '0')}</td>
                  <td className="hidden py-1.5 pr-3 text-right num sm:table-cell">{m.compactRevision === -1 ? 'none' : formatNumber(m.compactRevision)}</td>
                  <td className="hidden py-1.5 text-xs text-muted sm:table-cell">{m.reason ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Verdict({ check, now }: { check: HashCheck | undefined; now: number }) {
  if (!check?.checkedAt) {
    return <p className="text-sm text-muted">No HashKV check yet: the first runs shortly after Ringside starts.</p>;
  }
  const age = `checked ${formatAge(now - Date.parse(check.checkedAt))} ago`;
  const [Icon, tone, title] =
    check.consistent === true
      ? [CheckCircle2, 'text-ok', 'Data agrees']
      : check.consistent === false
        ? [OctagonX, 'text-crit', 'DATA MISMATCH']
        : [CircleHelp, 'text-warn', 'Could not tell'];
  return (
    <div className={`flex items-start gap-2 ${tone}`} role="status" aria-label="Hash agreement">
      <Icon className="mt-0.5 size-5 shrink-0" aria-hidden />
      <div>
        <div className="font-semibold">
          {title}
          {check.revision !== null && <span className="ml-2 font-normal text-muted num">at revision {formatNumber(check.revision)}</span>}
        </div>
        <div className="text-sm text-fg/80">
          {check.summary}
          {check.leaderSide === 'minority' && ' (the leader is in the minority)'} · <span className="text-muted">{age}</span>
        </div>
      </div>
    </div>
  );
}
