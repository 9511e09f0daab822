import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { hostileString } from './testing';
import { yamlScalar } from './yaml';

/** What a YAML 1.1 parser (etcd's go-yaml) and a YAML 1.2 one read back from `key: <scalar>`. */
const readBack = (scalar: string) => [parse(`key: ${scalar}\n`, { version: '1.1' }).key, parse(`key: ${scalar}\n`).key];

describe('yamlScalar', () => {
  test('plain values stay plain; what YAML 1.1 would read as a bool, number or time is quoted', () => {
    expect(yamlScalar('m1')).toBe('m1');
    expect(yamlScalar('m1=http://127.0.0.1:2380,m2=http://127.0.0.1:2480')).toBe('m1=http://127.0.0.1:2380,m2=http://127.0.0.1:2480');
    expect(yamlScalar('/var/lib/etcd')).toBe('/var/lib/etcd');
    for (const v of ['yes', 'on', 'No', 'y', '1:20', '0x1f', '012', '2001-12-14', 'null', '~', '1e3', '.inf']) expect(yamlScalar(v)).toBe(`"${v}"`);
    expect(yamlScalar('m3$(touch${IFS}pwned)')).toBe('"m3$(touch${IFS}pwned)"');
    expect(yamlScalar('a"b\\c\nd\x7f\ufeff')).toBe('"a\\"b\\\\c\\nd\\x7f\\ufeff"');
  });

  test('any string reads back exactly, on one line, in YAML 1.1 and 1.2', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.string({ unit: 'binary' })), (v) => {
        const scalar = yamlScalar(v);
        expect(scalar).not.toMatch(/[\n\r\x85\u2028\u2029]/);
        expect(readBack(scalar)).toEqual([v, v]);
      }),
      { numRuns: 2000 },
    );
  });
});
