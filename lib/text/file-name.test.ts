import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { hostileString } from './testing';
import { fileLabel, unicodeFileLabel } from './file-name';

describe('file labels', () => {
  test('a traversal, a shell expansion and a check mark', () => {
    expect(fileLabel('../../../../etc/cron.d/x')).toBe('_.._.._.._etc_cron.d_x');
    expect(fileLabel('m3$(touch${IFS}pwned)')).toBe('m3_touch_IFS_pwned_');
    expect(fileLabel('m3✓')).toBe('m3_');
    expect(fileLabel('m1')).toBe('m1');
    expect(fileLabel('..')).toBe('member');
    expect(fileLabel('')).toBe('member');
    expect(unicodeFileLabel('m3✓')).toBe('m3✓');
    expect(unicodeFileLabel('../x')).toBe('_x');
    expect(unicodeFileLabel('evil\u202egpj.db')).toBe('evil_gpj.db');
  });

  test('any name gives a label that stays one entry inside its directory', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.string({ unit: 'binary', maxLength: 80 })), (name) => {
        const ascii = fileLabel(name);
        expect(ascii).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,39}$/);
        const utf8 = unicodeFileLabel(name);
        expect(utf8).not.toMatch(/^\.|[/\\\p{Cc}\p{Cf}\p{Z}]/u);
        expect(Array.from(utf8).length).toBeLessThanOrEqual(40);
        for (const label of [ascii, utf8]) {
          const file = path.resolve('/backups/c', `c-${label}-8e9e05c52164694d-rev1.db`);
          expect(path.dirname(file)).toBe('/backups/c');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
