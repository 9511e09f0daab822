import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { hostileString } from './testing';
import { shellQuote } from './shell';

/** Runs each script's words through a real shell, which prints every argument followed by a NUL. */
function throughShell(shell: string, words: string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${words.join(' ')}`], { encoding: 'utf8', cwd: '/tmp' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  test('plain values stay readable; everything else is single-quoted', () => {
    expect(shellQuote('m1')).toBe('m1');
    expect(shellQuote('http://10.0.0.3:2380,m2=http://10.0.0.4:2380')).toBe('http://10.0.0.3:2380,m2=http://10.0.0.4:2380');
    expect(shellQuote('/var/lib/etcd-restored-m1')).toBe('/var/lib/etcd-restored-m1');
    expect(shellQuote('m3$(touch${IFS}pwned)')).toBe("'m3$(touch${IFS}pwned)'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('m3✓')).toBe("'m3✓'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('=ls')).toBe("'=ls'");
    expect(shellQuote('~root')).toBe("'~root'");
  });

  test('the injection from issue 11 runs nothing and passes the name through', () => {
    const name = 'm3$(touch${IFS}pwned)`touch pwned2`';
    expect(throughShell('/bin/sh', [`--name=${shellQuote(name)}`])).toEqual([`--name=${name}`]);
  });

  // Batches of values per shell run: a few dozen processes for hundreds of strings.
  for (const shell of ['/bin/sh', '/bin/bash']) {
    test(`${shell} reads back any string exactly, alone, after --flag= and as an assignment`, () => {
      fc.assert(
        fc.property(fc.array(hostileString, { minLength: 1, maxLength: 20 }), (values) => {
          const words = values.flatMap((v) => [shellQuote(v), `--name=${shellQuote(v)}`]);
          expect(throughShell(shell, words)).toEqual(values.flatMap((v) => [v, `--name=${v}`]));
          const assigned = execFileSync(shell, ['-c', `V=${shellQuote(values[0])}; printf '%s' "$V"`], { encoding: 'utf8' });
          expect(assigned).toBe(values[0]);
        }),
        { numRuns: 25 },
      );
    });
  }
});
