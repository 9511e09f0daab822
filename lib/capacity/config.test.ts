import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { keyPath } from '../config/parse';
import { capacitySchema, capacitySettings } from './config';
import { DEFAULT_LAYOUT } from './prefix';

/** The block as lib/config/schema.ts would mount it, with issues worded as lib/config/parse.ts words them. */
const fileSchema = z.object({ capacity: capacitySchema.optional() }).strict();
const ctx = { baseDir: '/etc/ringside', dataDir: '/var/lib/ringside', clusters: ['prod', 'dev'] };

function settings(yaml: string) {
  const parsed = fileSchema.safeParse(parseYaml(yaml) ?? {});
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${keyPath(i.path)}: ${i.message}`).join('\n'));
  return capacitySettings(parsed.data.capacity, ctx);
}

function errorOf(yaml: string): string {
  try {
    settings(yaml);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('capacity config', () => {
  test('no block: every cluster gets the defaults (on-demand scans, no rules, 4 h forecast window)', () => {
    const s = settings('');
    expect(s.workDir).toBe('/var/lib/ringside/capacity-work');
    expect(s.clusters.prod).toEqual({
      scan: { everyMs: null, backups: true, pagesPerSecond: 20, pageBytes: 1024 ** 2, maxTtlLookups: 2000 },
      breakdown: { topN: 20, maxPrefixes: 1000, layout: DEFAULT_LAYOUT, maxKeysInMemory: 200_000 },
      forecastWindowMs: 4 * 3_600_000,
      defrag: { rules: [], everyMs: null },
    });
  });

  test('everything set, and a per-cluster override of a block', () => {
    const s = settings(`
capacity:
  workDir: work
  scan: { every: 1h, backups: false, pagesPerSecond: 5, pageBytes: 256KiB, maxTtlLookups: 10 }
  breakdown: { topN: 50, maxPrefixes: 200, kubernetesRoots: [/k8s/], pathDepth: 2, maxKeysInMemory: 5000 }
  forecast: { window: 1h }
  defrag:
    rules: ["free > 200MiB", "inUse < 50% and dbSize > 100MB"]
    every: 6h
  clusters:
    prod:
      defrag: { rules: ["free > 1GiB"], every: 24h }
      scan: { every: 30m }
`);
    expect(s.workDir).toBe('/etc/ringside/work');
    expect(s.clusters.dev.scan).toEqual({ everyMs: 3_600_000, backups: false, pagesPerSecond: 5, pageBytes: 256 * 1024, maxTtlLookups: 10 });
    expect(s.clusters.dev.breakdown).toEqual({ topN: 50, maxPrefixes: 200, layout: { kubernetesRoots: ['/k8s/'], depth: 2 }, maxKeysInMemory: 5000 });
    expect(s.clusters.dev.forecastWindowMs).toBe(3_600_000);
    expect(s.clusters.dev.defrag.rules.map((r) => r.text)).toEqual(['free > 200MiB', 'inUse < 50% and dbSize > 100MB']);
    expect(s.clusters.dev.defrag.everyMs).toBe(6 * 3_600_000);
    expect(s.clusters.prod.defrag.rules.map((r) => r.text)).toEqual(['free > 1GiB']);
    expect(s.clusters.prod.defrag.everyMs).toBe(24 * 3_600_000);
    // A block named per cluster replaces only the keys it sets.
    expect(s.clusters.prod.scan).toEqual({ ...s.clusters.dev.scan, everyMs: 30 * 60_000 });
  });

  test('bad values name the key and what was expected', () => {
    expect(errorOf('capacity:\n  defrag:\n    rules: ["free > 200MiB", "inUse > 1GB"]\n')).toBe('capacity.defrag.rules[1]: inUse is a share, compared in % (e.g. inUse < 50%)');
    expect(errorOf('capacity:\n  defrag:\n    rules: [42]\n')).toBe('capacity.defrag.rules[0]: expected a rule as a string, e.g. "free > 200MiB" or "inUse < 50%"');
    expect(errorOf('capacity:\n  defrag: { every: 6h }\n')).toBe('capacity.defrag.every: a scheduled defragment needs rules: add defrag.rules, e.g. ["free > 200MiB"]');
    expect(errorOf('capacity:\n  clusters:\n    prod: { defrag: { every: 6h } }\n')).toBe('capacity.clusters.prod.defrag.every: a scheduled defragment needs rules: add defrag.rules, e.g. ["free > 200MiB"]');
    expect(errorOf('capacity:\n  scan: { every: 2m }\n')).toBe('capacity.scan.every: must be at least 5m');
    expect(errorOf('capacity:\n  scan: { every: 60 }\n')).toBe('capacity.scan.every: expected a duration such as 30m, 6h or 1d (a bare number has no unit)');
    expect(errorOf('capacity:\n  scan: { pageBytes: 8MiB }\n')).toBe('capacity.scan.pageBytes: must be between 16384 and 3145728 bytes');
    expect(errorOf('capacity:\n  scan: { pageBytes: lots }\n')).toBe('capacity.scan.pageBytes: expected a size such as 1MiB (B, kB, MB, GB, KiB, MiB, GiB)');
    expect(errorOf('capacity:\n  breakdown: { kubernetesRoots: [registry] }\n')).toBe('capacity.breakdown.kubernetesRoots[0]: must start and end with "/", e.g. /registry/');
    expect(errorOf('capacity:\n  scan: { pagesPerSecond: 0 }\n')).toMatch(/^capacity\.scan\.pagesPerSecond: /);
    expect(errorOf('capacity:\n  scan: { everyday: 1h }\n')).toMatch(/^capacity\.scan: .*everyday/);
    expect(errorOf('capacity:\n  clusters:\n    staging: {}\n')).toBe('capacity.clusters.staging: no cluster named "staging" in clusters (have prod, dev)');
  });
});
