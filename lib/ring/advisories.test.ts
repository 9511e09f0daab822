import { expect, test } from 'vitest';
import { versionAdvisories } from './advisories';

const kinds = (vs: string[]) => versionAdvisories(vs.map((version, i) => ({ name: `m${i + 1}`, version }))).map((a) => a.kind);

test('3.5.0-3.5.2 is the known data-loss bug', () => {
  expect(kinds(['3.5.2', '3.5.2', '3.5.2'])).toEqual(['data-loss-bug', 'below-kubernetes-minimum']);
  expect(kinds(['3.5.3', '3.5.3', '3.5.3'])).toEqual(['below-kubernetes-minimum']);
});

test('below what Kubernetes asks for, and not below it', () => {
  expect(kinds(['3.4.23'])).toEqual(['below-kubernetes-minimum']);
  expect(kinds(['3.4.29', '3.4.29'])).toEqual([]);
  expect(kinds(['3.5.11'])).toEqual([]);
  expect(kinds(['3.6.1'])).toEqual([]);
  expect(kinds(['3.3.27'])).toEqual(['below-kubernetes-minimum']);
});

test('mixed versions, naming the members', () => {
  const a = versionAdvisories([
    { name: 'a', version: '3.5.11' },
    { name: 'b', version: '3.5.12' },
    { name: 'c', version: null },
  ]);
  expect(a.map((x) => x.kind)).toEqual(['mixed-versions']);
  expect(a[0].message).toContain('3.5.11, 3.5.12');
});
