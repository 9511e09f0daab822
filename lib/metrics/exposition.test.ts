import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { ExpositionError, histogramSeries, parseExposition, sampleValue } from './exposition';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'testdata', name), 'utf8');

describe('parseExposition on a real etcd 3.4.23 /metrics', () => {
  const text = fixture('etcd-3.4.23-leader.prom');
  const fams = parseExposition(text);

  test('reads every family the member declares, with its type', () => {
    const declared = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(fams.size).toBe(declared.length);
    for (const line of declared) {
      const [, , name, type] = line.split(' ');
      expect(fams.get(name)?.type, name).toBe(type);
    }
  });

  test('keeps each peer of the labelled round-trip histogram apart (the npm parsers merge them)', () => {
    const rtt = histogramSeries(fams.get('etcd_network_peer_round_trip_time_seconds'));
    expect(rtt.map((s) => s.labels.To).sort()).toEqual(['5375444ee366b783', '5b74a9b43717500']);
    for (const s of rtt) {
      expect(s.buckets.at(-1)?.le).toBe(Infinity);
      expect(s.buckets).toHaveLength(17);
      expect(s.count).toBe(s.buckets.at(-1)?.count);
      expect(s.sum).toBeGreaterThan(0);
    }
  });

  test('reads gauges, counters, exponents and the member ID label', () => {
    expect(sampleValue(fams.get('etcd_server_quota_backend_bytes'))).toBe(2147483648);
    expect(sampleValue(fams.get('etcd_server_proposals_committed_total'))).toBe(31);
    expect(fams.get('etcd_server_id')?.samples[0].labels).toEqual({ server_id: 'a8a17421b46f9558' });
    const fsync = histogramSeries(fams.get('etcd_disk_wal_fsync_duration_seconds'))[0];
    expect(fsync.buckets.slice(0, 3)).toEqual([
      { le: 0.001, count: 27 },
      { le: 0.002, count: 29 },
      { le: 0.004, count: 29 },
    ]);
    expect(fsync.count).toBe(30);
  });

  test('`only` parses just the families asked for', () => {
    const some = parseExposition(text, { only: new Set(['etcd_server_has_leader', 'etcd_disk_wal_fsync_duration_seconds']) });
    expect([...some.keys()].sort()).toEqual(['etcd_disk_wal_fsync_duration_seconds', 'etcd_server_has_leader']);
    expect(some.get('etcd_disk_wal_fsync_duration_seconds')?.samples).toHaveLength(17);
  });
});

describe('parseExposition details of the format', () => {
  test('escapes in label values and HELP, special values, timestamps, no trailing newline', () => {
    const fams = parseExposition(
      [
        '# HELP odd A help with a \\\\ backslash\\nand a newline',
        '# TYPE odd gauge',
        'odd{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\"",} 1.458255915e9',
        'odd{path="x"} +Inf 1395066363000',
        'odd{path="y"}   -Inf',
        'odd{ path = "z" } NaN',
        'odd{path="prom-client"} Nan',
        'odd{path="go"} -inf',
        '# a plain comment',
        'untyped_last 7',
      ].join('\n'),
    );
    const odd = fams.get('odd')!;
    expect(odd.help).toBe('A help with a \\ backslash\nand a newline');
    expect(odd.samples[0].labels).toEqual({ path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
    expect(odd.samples[0].value).toBe(1458255915);
    expect(odd.samples[1]).toMatchObject({ value: Infinity, timestampMs: 1395066363000 });
    expect(odd.samples[2].value).toBe(-Infinity);
    expect(odd.samples[3].labels).toEqual({ path: 'z' });
    expect(odd.samples[3].value).toBeNaN();
    // prom-client writes NaN as "Nan"; Prometheus reads it (Go's ParseFloat ignores case).
    expect(odd.samples[4].value).toBeNaN();
    expect(odd.samples[5].value).toBe(-Infinity);
    expect(fams.get('untyped_last')).toMatchObject({ type: 'untyped', samples: [{ value: 7 }] });
  });

  test('a summary keeps its quantiles, sum and count together', () => {
    const fams = parseExposition('# TYPE rpc summary\nrpc{quantile="0.5"} 4773\nrpc{quantile="0.99"} 76656\nrpc_sum 1.7e+07\nrpc_count 2693\n');
    expect(fams.get('rpc')?.samples.map((s) => s.name)).toEqual(['rpc', 'rpc', 'rpc_sum', 'rpc_count']);
  });

  test.each([
    ['a sample without a value', 'up\n', /line 1: up: expected a value/],
    ['a value that is not a number', 'up one\n', /line 1: up: "one" is not a number/],
    ['an unterminated label value', 'x 1\nup{job="etcd} 1\n', /line 2: label job of up has an unterminated value/],
    ['a label without a quoted value', 'up{job=etcd} 1\n', /label job of up has no quoted value/],
    ['a bad label name', 'up{1job="x"} 1\n', /"1job" is not a label name/],
    ['an unknown type', '# TYPE up countr\n', /unknown type "countr"/],
    ['a TYPE after the samples', 'up 1\n# TYPE up gauge\n', /TYPE line for up after its samples/],
    ['a line that is not a sample', '{job="x"} 1\n', /does not start with a metric name/],
  ])('rejects %s, naming the line', (_, text, message) => {
    expect(() => parseExposition(text)).toThrow(ExpositionError);
    expect(() => parseExposition(text)).toThrow(message);
  });
});

describe('parseExposition against prom-client, an independent serializer', () => {
  test('what prom-client writes parses back to the values prom-client reports', async () => {
    const registry = new Registry();
    const h = new Histogram({ name: 'peer_rtt_seconds', help: 'RTT "quoted" \\ help', labelNames: ['To'], buckets: [0.001, 0.01, 0.1], registers: [registry] });
    h.observe({ To: 'a' }, 0.0005);
    h.observe({ To: 'a' }, 0.05);
    h.observe({ To: 'b\n"odd"\\' }, 2);
    const c = new Counter({ name: 'writes_total', help: 'writes', labelNames: ['kind'], registers: [registry] });
    c.inc({ kind: 'put' }, 3);
    c.inc({ kind: 'del' }, 1.5);
    const g = new Gauge({ name: 'db_bytes', help: 'size', registers: [registry] });
    g.set(2.5e9);
    const s = new Summary({ name: 'apply_seconds', help: 'apply', percentiles: [0.5, 0.9], registers: [registry] });
    s.observe(1);
    s.observe(3);

    const fams = parseExposition(await registry.metrics());
    for (const metric of await registry.getMetricsAsJSON()) {
      const fam = fams.get(metric.name);
      expect(fam?.type, metric.name).toBe(metric.type);
      expect(fam?.help).toBe(metric.help);
      const values = (metric as unknown as { values: { value: number; labels: Record<string, string | number>; metricName?: string }[] }).values;
      expect(fam?.samples).toHaveLength(values.length);
      values.forEach((v, i) => {
        const labels = Object.fromEntries(Object.entries(v.labels).map(([k, x]) => [k, String(x === Infinity ? '+Inf' : x)]));
        expect(fam?.samples[i]).toMatchObject({ name: v.metricName ?? metric.name, labels, value: v.value });
      });
    }
    const rtt = histogramSeries(fams.get('peer_rtt_seconds'));
    expect(rtt.map((r) => r.labels.To)).toEqual(['a', 'b\n"odd"\\']);
    expect(rtt[0].buckets.map((b) => b.count)).toEqual([1, 1, 2, 2]);
  });
});
