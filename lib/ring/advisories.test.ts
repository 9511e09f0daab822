import { describe, expect, test } from 'vitest';
import { parseLine } from '../logs/parse';
import { VERSION_LINES } from '../model/testdata/etcd-sources/logs';
import { versionAdvisories } from './advisories';

const kinds = (vs: string[]) => versionAdvisories(vs.map((version, i) => ({ name: `m${i + 1}`, version }))).map((a) => a.kind);

test('3.5.0-3.5.2 is the known data-loss bug', () => {
  expect(kinds(['3.5.2', '3.5.2', '3.5.2'])).toEqual(['data-loss-bug', 'below-kubernetes-minimum']);
  expect(kinds(['3.5.3', '3.5.3', '3.5.3'])).toEqual(['below-kubernetes-minimum']);
});

test('below what Kubernetes asks for, and not below it; 3.4 is out of support (3.4.45, CHANGELOG-3.4)', () => {
  expect(kinds(['3.4.23'])).toEqual(['below-kubernetes-minimum', 'end-of-life']);
  expect(kinds(['3.4.29', '3.4.29'])).toEqual(['end-of-life']);
  expect(kinds(['3.5.11'])).toEqual([]);
  expect(kinds(['3.6.1'])).toEqual([]);
  expect(kinds(['3.3.27'])).toEqual(['below-kubernetes-minimum']);
  expect(versionAdvisories([{ name: 'm1', version: '3.4.23' }]).find((a) => a.kind === 'end-of-life')!.message).toBe(
    'm1 (3.4.23): etcd 3.4 is out of support since 3.4.45 (June 2026); upgrade one minor at a time (3.4 -> 3.5 -> 3.6)',
  );
});

describe('mixed versions', () => {
  test('patches of one minor: fine during a patch upgrade', () => {
    const a = versionAdvisories([
      { name: 'a', version: '3.5.11' },
      { name: 'b', version: '3.5.12' },
      { name: 'c', version: null },
    ]);
    expect(a.map((x) => x.kind)).toEqual(['mixed-versions']);
    expect(a[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining('different patches of 3.5 (3.5.11, 3.5.12)') });
  });

  test('two minors one apart: a rolling upgrade under way, at the lower protocol', () => {
    const a = versionAdvisories([
      { name: 'a', version: '3.5.33' },
      { name: 'b', version: '3.6.14' },
      { name: 'c', version: '3.5.33' },
    ]);
    expect(a.map((x) => [x.kind, x.severity])).toEqual([['mixed-versions', 'warning']]);
    expect(a[0].message).toContain("between 3.5 and 3.6 is under way, 1 of 3 on 3.6. The ring speaks 3.5's protocol");
  });

  test('3.6 members next to 3.5 members below the patch the 3.5 -> 3.6 guide requires', () => {
    const a = versionAdvisories([
      { name: 'a', version: '3.5.21' },
      { name: 'b', version: '3.6.14' },
      { name: 'c', version: '3.5.33' },
    ]);
    expect(a.map((x) => [x.kind, x.severity, x.members])).toEqual([
      ['upgrade-patch-level', 'critical', ['a']],
      ['mixed-versions', 'warning', ['a', 'b', 'c']],
    ]);
    expect(a[0].message).toContain('below 3.5.32');
  });

  test('two minors apart is outside any supported upgrade', () => {
    expect(versionAdvisories([{ name: 'a', version: '3.4.23' }, { name: 'b', version: '3.6.0' }]).find((x) => x.kind === 'mixed-versions')).toMatchObject({ severity: 'critical' });
  });
});

test('a version newer than Ringside models is said so', () => {
  expect(kinds(['3.7.0'])).toEqual(['not-modelled']);
});

describe('a member refusing to start over versions (lines built from etcd 3.5.33 and 3.6.14 sources; not run here)', () => {
  const refusal = VERSION_LINES.find((l) => l.source.startsWith('v3.5.33') && l.raw.includes('lower than determined'))!;
  const line = parseLine(refusal.raw);
  const r = { member: 'm2', at: line.at, message: line.message, detail: `it runs ${line.fields['current-server-version']}, the ring ${line.fields['determined-cluster-version']}` };

  test('critical while the member is down since before the line', () => {
    const a = versionAdvisories(
      [
        { name: 'm1', version: '3.6.14', reachable: true },
        { name: 'm2', version: null, reachable: false, lastSeen: '2026-11-22T06:00:00.000Z' },
      ],
      [r],
    );
    expect(a).toEqual([
      {
        kind: 'newer-data-dir',
        severity: 'critical',
        members: ['m2'],
        message:
          'm2 refuses to start: "invalid downgrade; server version is lower than determined cluster version" (it runs 3.5.33, the ring 3.6). Its ring or its data dir was written by a newer etcd: start it with the version it ran before, or bring it down through etcd\'s downgrade (3.6 -> 3.5: etcdctl downgrade enable 3.5 first).',
      },
    ]);
  });

  test('gone once the member answers, or when the line is older than its last answer', () => {
    expect(versionAdvisories([{ name: 'm2', version: '3.6.14', reachable: true }], [r])).toEqual([]);
    expect(versionAdvisories([{ name: 'm2', version: null, reachable: false, lastSeen: '2026-11-23T00:00:00.000Z' }], [r])).toEqual([]);
  });
});
