// (f) Timeline queries over 100,000 stored events: the store's indexed query (a binary search on
// time, then filters) for typical incident windows, against a plain scan-and-filter of the same
// entries in the same run; and loading the store from disk (a Ringside start) against parsing the
// same JSON lines alone.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TimelineStore } from '@/lib/timeline/store';
import type { TimelineEntry, TimelineKind, TimelineQuery } from '@/lib/timeline/types';
import { quantile, type Row } from './stats';

const N = 100_000;
const KINDS: TimelineKind[] = ['member-down', 'member-up', 'leader-changed', 'alert-firing', 'alert-resolved', 'log-corruption', 'hashkv-mismatch', 'action'];

function entries(now: number): TimelineEntry[] {
  // A week of events over 20 clusters of 5 members: about one every 6 s.
  const span = 7 * 86_400_000;
  return Array.from({ length: N }, (_, i) => {
    const cluster = `c${String(i % 20).padStart(2, '0')}`;
    const member = `m${(i * 7) % 5}`;
    return {
      id: `e${i}`,
      at: new Date(now - span + Math.floor((i * span) / N)).toISOString(),
      cluster,
      kind: KINDS[(i * 13) % KINDS.length],
      source: 'ring',
      severity: 'warning',
      memberName: member,
      message: `${member} of ${cluster}: event ${i}`,
    } satisfies TimelineEntry;
  });
}

function scan(all: TimelineEntry[], q: TimelineQuery): TimelineEntry[] {
  const out = all.filter(
    (e) =>
      Date.parse(e.at) >= (q.from ?? -Infinity) &&
      Date.parse(e.at) <= (q.to ?? Infinity) &&
      (!q.clusters || q.clusters.includes(e.cluster)) &&
      (!q.kinds || q.kinds.includes(e.kind)) &&
      (!q.members || q.members.includes(e.memberName ?? '')),
  );
  return out.slice(-(q.limit ?? 1000));
}

function time(fn: () => unknown, runs: number): number[] {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return xs;
}

export function measureTimeline(): { rows: Row[]; summary: string[]; notes: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-bench-timeline-'));
  const now = Date.now();
  try {
    const all = entries(now);
    const store = new TimelineStore(dir, { clock: () => now, maxEntries: N + 1 });
    for (let i = 0; i < all.length; i += 1000) {
      store.append(...all.slice(i, i + 1000));
      store.flush(); // as the 250 ms timer would, so segments rotate as in a running server
    }
    store.close();

    const queries: { name: string; q: TimelineQuery }[] = [
      { name: 'one cluster, last 15 min', q: { clusters: ['c03'], from: now - 15 * 60_000, to: now } },
      { name: 'all clusters, last 1 h', q: { from: now - 3_600_000, to: now } },
      { name: 'one cluster, one member, 24 h', q: { clusters: ['c03'], members: ['m1'], from: now - 86_400_000, to: now } },
      { name: 'actions, whole week', q: { kinds: ['action'], from: now - 7 * 86_400_000, to: now } },
    ];
    const t0 = performance.now();
    const loaded = new TimelineStore(dir, { clock: () => now, maxEntries: N + 1 });
    const loadMs = performance.now() - t0;
    const t1 = performance.now();
    for (const f of readdirSync(dir)) for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) if (line) JSON.parse(line);
    const parseMs = performance.now() - t1;

    const rows: Row[] = [];
    const summary: string[] = [];
    for (const { name, q } of queries) {
      const indexed = time(() => loaded.query(q), 200);
      const scanned = time(() => scan(all, q), 20);
      rows.push({ measure: `timeline query p50: ${name}`, value: quantile(indexed, 0.5), baseline: 'scan-and-filter of the same 100k', baselineValue: quantile(scanned, 0.5) });
      rows.push({ measure: `timeline query p95: ${name}`, value: quantile(indexed, 0.95), baseline: 'scan-and-filter of the same 100k', baselineValue: quantile(scanned, 0.95) });
      summary.push(`timeline, ${name}: p50 ${quantile(indexed, 0.5).toFixed(2)} ms, p95 ${quantile(indexed, 0.95).toFixed(2)} ms (${loaded.query(q).total} match)`);
    }
    rows.push({ measure: `timeline store load, ${loaded.size} events`, value: loadMs, baseline: 'JSON.parse of the same lines alone', baselineValue: parseMs });
    loaded.close();
    return { rows, summary, notes: [`timeline: ${N} events over 7 days, 20 clusters x 5 members, ${readdirSync(dir).length} segment files`] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
