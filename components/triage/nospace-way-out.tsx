'use client';

import { useQuery } from '@tanstack/react-query';
import { ArrowRight, TrendingUp } from 'lucide-react';
import { formatAge, formatBytes, formatNumber } from '@/lib/model/format';
import { keyspaceQuery } from '@/lib/query/keys';

/**
 * During NOSPACE, in the triage panel: what grew since the last scan (the prefixes that grew
 * most, `diff.grew`), and etcd's documented way out (op-guide/maintenance, "Space quota"): find
 * and stop what grew, compact, defragment every member, disarm the alarm. Ringside's "Disarm
 * NOSPACE" does the last three as one guided operation.
 */
export function NospaceWayOut({ cluster }: { cluster: string }) {
  const { data } = useQuery(keyspaceQuery(cluster));
  const diff = data?.diff ?? null;
  const report = data?.report ?? null;
  return (
    <section aria-label="What grew" className="border-t border-line p-4">
      <h3 className="mb-1.5 inline-flex items-center gap-1.5 text-[11px] font-semibold uppercase tracking-wider text-muted">
        <TrendingUp className="size-3.5" aria-hidden /> NOSPACE: what grew
      </h3>
      <div className="grid gap-4 lg:grid-cols-2">
        <div className="text-sm">
          {diff && diff.grew.length > 0 ? (
            <>
              <p className="mb-1 text-xs text-muted">
                Since the previous scan ({formatAge(diff.elapsedMs)} before the last, revision {formatNumber(diff.from.revision)} → {formatNumber(diff.to.revision)}):
              </p>
              <ol className="space-y-0.5" aria-label="Prefixes that grew most">
                {diff.grew.map((p) => (
                  <li key={p.prefix} className="flex max-w-xl justify-between gap-3">
                    <span className="truncate font-mono text-xs" title={p.prefix}>
                      {p.prefix}
                      {p.status === 'new' && <span className="ml-1.5 font-sans text-warn">new</span>}
                    </span>
                    <span className="shrink-0 font-mono text-xs">
                      {p.delta.bytes >= 0 ? '+' : '−'}
                      {formatBytes(Math.abs(p.delta.bytes))}, {p.delta.keys >= 0 ? '+' : '−'}
                      {formatNumber(Math.abs(p.delta.keys))} keys ({formatBytes(p.bytes)} now)
                    </span>
                  </li>
                ))}
              </ol>
            </>
          ) : report ? (
            <>
              <p className="mb-1 text-xs text-muted">One scan so far, nothing to compare with; the largest prefixes now:</p>
              <ol className="space-y-0.5" aria-label="Largest prefixes now">
                {report.prefixes.slice(0, 5).map((p) => (
                  <li key={p.prefix} className="flex max-w-xl justify-between gap-3 font-mono text-xs">
                    <span className="truncate">{p.prefix}</span>
                    <span className="shrink-0">{formatBytes(p.bytes + p.historyBytes)}</span>
                  </li>
                ))}
              </ol>
            </>
          ) : (
            <p className="text-muted">No keyspace scan yet: reads still work under NOSPACE, so scan now to see what fills the ring.</p>
          )}
          <a href="#capacity" className="mt-1 inline-flex items-center gap-1 text-xs font-medium text-accent hover:underline">
            Capacity: scan now, the whole breakdown <ArrowRight className="size-3" aria-hidden />
          </a>
        </div>
        <ol className="list-decimal space-y-1 pl-5 text-sm" aria-label="The way out of NOSPACE">
          <li>Stop what grew: the writer of the prefix above (a controller rewriting one object, Events, leaked leases). Until it stops, freed space fills again.</li>
          <li>
            Compact the history to the current revision: <code className="text-xs">rev=$(etcdctl endpoint status --write-out=&quot;json&quot; | egrep -o &apos;&quot;revision&quot;:[0-9]*&apos; | egrep -o &apos;[0-9].*&apos;); etcdctl compact $rev</code>
          </li>
          <li>
            Defragment every member, one at a time, the leader last: <code className="text-xs">etcdctl defrag --endpoints=&lt;one member&gt;</code>
          </li>
          <li>
            Disarm the alarm: <code className="text-xs">etcdctl alarm disarm</code>
          </li>
          <li>
            Ringside does steps 2 to 4 as one guided operation, checking the ring before each member:{' '}
            <a href="#operations" className="inline-flex items-center gap-1 font-medium text-accent hover:underline">
              Disarm NOSPACE (compact, defragment) <ArrowRight className="size-3" aria-hidden />
            </a>
          </li>
        </ol>
      </div>
    </section>
  );
}
