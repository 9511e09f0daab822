import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { hostileString } from '../text/testing';
import { assertBackupId, backupId, isBackupId, stamp } from './object-names';

const at = new Date('2026-01-02T03:04:05.678Z');

describe('backup names', () => {
  test('the layout lib/ops/snapshots.ts writes (with milliseconds), .enc when encrypted', () => {
    expect(stamp(at)).toBe('20260102T030405.678Z');
    expect(backupId({ cluster: 'prod', member: { id: '8e9e05c52164694d', name: 'm1' }, revision: 42, takenAt: at, encrypted: false })).toBe(
      'prod-m1-8e9e05c52164694d-rev42-20260102T030405.678Z.db',
    );
    expect(backupId({ cluster: 'prod', member: { id: 'a', name: '../../etc/cron.d/x' }, revision: 1, takenAt: at, encrypted: true })).toBe(
      'prod-_.._etc_cron.d_x-a-rev1-20260102T030405.678Z.db.enc',
    );
  });

  test('any member name gives an ID that is one safe file name', () => {
    fc.assert(
      fc.property(hostileString, (name) => {
        const id = backupId({ cluster: 'c1', member: { id: 'ff', name }, revision: 7, takenAt: at, encrypted: false });
        return isBackupId(id) && !id.includes('/') && !id.startsWith('.');
      }),
    );
  });

  test('refuses what is not a configured cluster name or a hex member ID', () => {
    expect(() => backupId({ cluster: '../x', member: { id: 'ff', name: 'm' }, revision: 1, takenAt: at, encrypted: false })).toThrow('cluster: expected a configured cluster name');
    expect(() => backupId({ cluster: 'c', member: { id: 'zz', name: 'm' }, revision: 1, takenAt: at, encrypted: false })).toThrow('member: expected a member ID in hex');
  });

  test.each(['../x.db', 'a/b.db', '.hidden.db', 'x.db.json', 'x', '', 'x.db\n'])('%j is not a backup ID', (id) => {
    expect(isBackupId(id)).toBe(false);
    expect(() => assertBackupId(id)).toThrow('backup: expected a backup ID from the listing');
  });
});
