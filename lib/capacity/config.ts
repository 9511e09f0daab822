import path from 'node:path';
import { z } from 'zod';
import { formatDuration, parseDuration } from '../backups/durations';
import { RingsideError } from '../errors';
import { parseBytes, parseRule, type DefragRule } from './defrag-rules';
import { DEFAULT_LAYOUT, type PrefixLayout } from './prefix';
import { DEFAULT_GROWTH_WINDOW_MS } from './quota';

/**
 * The `capacity:` block of the config: keyspace scans, the NOSPACE forecast and rule-driven
 * defragmentation. Mount it in lib/config/schema.ts as `capacity: capacitySchema.optional()`
 * and turn the parsed block into settings once at start with `capacitySettings()`:
 *
 *   capacity:
 *     scan:
 *       every: 1h              # scheduled live scans from a healthy follower; without it, on demand only
 *       backups: true          # also walk each new verified backup (zero load on the ring); default true
 *       pagesPerSecond: 20     # range requests a second at most
 *       pageBytes: 1MiB        # about this much data per page (16KiB..3MiB, under gRPC's 4 MiB reply cap)
 *       maxTtlLookups: 2000    # leases whose TTL is looked up one by one
 *     breakdown:
 *       topN: 20               # keys in each top list
 *       maxPrefixes: 1000      # prefixes tracked one by one (the rest are summed)
 *       kubernetesRoots: [/registry/]   # where Kubernetes' layout applies (--etcd-prefix)
 *       pathDepth: 1           # path segments that make a prefix for other keys
 *       maxKeysInMemory: 200000   # a snapshot walk spills to workDir past this many keys
 *     forecast: { window: 4h } # the growth trend behind the NOSPACE forecast
 *     defrag:
 *       rules: ["free > 200MiB", "inUse < 50% and dbSize > 100MB"]   # a member matching any rule is selected
 *       every: 6h              # scheduled rolling defragment; without it, the rules feed the dry run only
 *     workDir: /var/lib/ringside/capacity-work   # spill files and backup copies; default <dataDir>/capacity-work
 *     clusters:                # per cluster: scan, breakdown, forecast, defrag (each key replaces the top level's)
 *       prod: { defrag: { rules: ["free > 1GiB"], every: 24h } }
 */

const duration = (min: number) =>
  z.unknown().transform((v, ctx) => {
    const ms = typeof v === 'string' ? parseDuration(v) : null;
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 30m, 6h or 1d${typeof v === 'number' ? ' (a bare number has no unit)' : ''}` });
      return z.NEVER;
    }
    if (ms < min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}` });
      return z.NEVER;
    }
    return ms;
  });

const bytes = (min: number, max: number, hint: string) =>
  z.unknown().transform((v, ctx) => {
    const n = typeof v === 'string' ? parseBytes(v) : typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: `expected a size such as ${hint} (B, kB, MB, GB, KiB, MiB, GiB)` });
      return z.NEVER;
    }
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max} bytes` });
      return z.NEVER;
    }
    return n;
  });

const rule = z.unknown().transform((v, ctx): DefragRule => {
  if (typeof v !== 'string') {
    ctx.addIssue({ code: 'custom', message: 'expected a rule as a string, e.g. "free > 200MiB" or "inUse < 50%"' });
    return z.NEVER;
  }
  try {
    return parseRule(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const MINUTE = 60_000;

const scan = z
  .object({
    every: duration(5 * MINUTE).optional(),
    backups: z.boolean().optional(),
    pagesPerSecond: z.number().positive().max(1000).optional(),
    pageBytes: bytes(16 * 1024, 3 * 1024 ** 2, '1MiB').optional(),
    maxTtlLookups: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();

const root = z
  .string()
  .regex(/^\/.*\/$/, 'must start and end with "/", e.g. /registry/')
  .refine((r) => r.length > 2 && !r.includes('//'), 'must name a path, e.g. /registry/');

const breakdown = z
  .object({
    topN: z.number().int().min(1).max(1000).optional(),
    maxPrefixes: z.number().int().min(10).max(100_000).optional(),
    kubernetesRoots: z.array(root).optional(),
    pathDepth: z.number().int().min(1).max(8).optional(),
    maxKeysInMemory: z.number().int().min(1000).max(50_000_000).optional(),
  })
  .strict();

const forecast = z.object({ window: duration(10 * MINUTE).optional() }).strict();

const defrag = z
  .object({
    rules: z.array(rule).optional(),
    every: duration(10 * MINUTE).optional(),
  })
  .strict();

const perCluster = { scan: scan.optional(), breakdown: breakdown.optional(), forecast: forecast.optional(), defrag: defrag.optional() };

export const capacitySchema = z
  .object({
    ...perCluster,
    workDir: z.string().min(1).optional(),
    clusters: z.record(z.string(), z.object(perCluster).strict()).default({}),
  })
  .strict();

export type CapacityConfig = z.infer<typeof capacitySchema>;

/** One cluster's capacity settings, every default applied. */
export interface ClusterCapacitySettings {
  scan: {
    /** null: live scans on demand only. */
    everyMs: number | null;
    /** Walk each new verified backup. */
    backups: boolean;
    pagesPerSecond: number;
    pageBytes: number;
    maxTtlLookups: number;
  };
  breakdown: { topN: number; maxPrefixes: number; layout: PrefixLayout; maxKeysInMemory: number };
  forecastWindowMs: number;
  defrag: {
    rules: DefragRule[];
    /** null: no scheduled defragment (the rules still drive the dry run). */
    everyMs: number | null;
  };
}

export interface CapacitySettings {
  /** Absolute; key-history spill files and copies of backups being walked. */
  workDir: string;
  /** By cluster name: every configured cluster has settings (defaults when the block is absent). */
  clusters: Record<string, ClusterCapacitySettings>;
}

/**
 * Settings from a parsed `capacity:` block (or none: every default). Throws an INVALID
 * RingsideError whose message starts with the key at fault (`capacity.clusters.prod.defrag.every: ...`).
 */
export function capacitySettings(cfg: CapacityConfig | undefined, ctx: { baseDir: string; dataDir: string; clusters: string[] }): CapacitySettings {
  const c = cfg ?? capacitySchema.parse({});
  const fail = (key: string, what: string) => new RingsideError('INVALID', `capacity.${key}: ${what}`, `capacity.${key}`);
  for (const name of Object.keys(c.clusters)) {
    if (!ctx.clusters.includes(name)) throw fail(`clusters.${name}`, `no cluster named "${name}" in clusters (have ${ctx.clusters.join(', ')})`);
  }
  const clusters: Record<string, ClusterCapacitySettings> = {};
  for (const name of ctx.clusters) {
    const own = c.clusters[name] ?? {};
    const s = { ...c.scan, ...own.scan };
    const b = { ...c.breakdown, ...own.breakdown };
    const d = { ...c.defrag, ...own.defrag };
    const f = { ...c.forecast, ...own.forecast };
    const rules = d.rules ?? [];
    if (d.every !== undefined && rules.length === 0) {
      const where = own.defrag?.every !== undefined ? `clusters.${name}.defrag.every` : 'defrag.every';
      throw fail(where, 'a scheduled defragment needs rules: add defrag.rules, e.g. ["free > 200MiB"]');
    }
    clusters[name] = {
      scan: {
        everyMs: s.every ?? null,
        backups: s.backups ?? true,
        pagesPerSecond: s.pagesPerSecond ?? 20,
        pageBytes: s.pageBytes ?? 1024 ** 2,
        maxTtlLookups: s.maxTtlLookups ?? 2000,
      },
      breakdown: {
        topN: b.topN ?? 20,
        maxPrefixes: b.maxPrefixes ?? 1000,
        layout: { kubernetesRoots: b.kubernetesRoots ?? DEFAULT_LAYOUT.kubernetesRoots, depth: b.pathDepth ?? DEFAULT_LAYOUT.depth },
        maxKeysInMemory: b.maxKeysInMemory ?? 200_000,
      },
      forecastWindowMs: f.window ?? DEFAULT_GROWTH_WINDOW_MS,
      defrag: { rules, everyMs: d.every ?? null },
    };
  }
  return { workDir: c.workDir ? path.resolve(ctx.baseDir, c.workDir) : path.join(ctx.dataDir, 'capacity-work'), clusters };
}
