import { describe, expect, test } from 'vitest';
import { hideServerPaths } from './server-paths';

const paths = { config: '/etc/ringside/ringside.yaml', dataDir: '/var/lib/ringside', backupsDir: '/var/lib/ringside/backups' };

describe('server paths, hidden from anyone but an operator', () => {
  test('every occurrence, however deep, becomes the name of its setting; the longest path keeps its own name', () => {
    const backups = {
      dir: '/var/lib/ringside/backups',
      snapshots: [
        {
          file: '/var/lib/ringside/backups/prod/prod-m1-rev9.db',
          restore: { steps: ['Decrypt first: ... /var/lib/ringside/backups/prod/prod-m1-rev9.db.enc /var/lib/ringside/backups/prod/prod-m1-rev9.db'], commands: [{ member: 'm1', command: 'etcdctl snapshot restore /var/lib/ringside/backups/prod/prod-m1-rev9.db --name=m1' }] },
          revision: 9,
        },
      ],
    };
    expect(hideServerPaths(backups, paths)).toEqual({
      dir: '<backups.dir>',
      snapshots: [
        {
          file: '<backups.dir>/prod/prod-m1-rev9.db',
          restore: { steps: ['Decrypt first: ... <backups.dir>/prod/prod-m1-rev9.db.enc <backups.dir>/prod/prod-m1-rev9.db'], commands: [{ member: 'm1', command: 'etcdctl snapshot restore <backups.dir>/prod/prod-m1-rev9.db --name=m1' }] },
          revision: 9,
        },
      ],
    });
    expect(hideServerPaths({ error: "EACCES: open '/var/lib/ringside/audit.jsonl'", from: '/etc/ringside/ringside.yaml' }, paths)).toEqual({ error: "EACCES: open '<dataDir>/audit.jsonl'", from: '<config file>' });
  });

  test('numbers, nulls and text without a path are left alone; a root path never blanks everything', () => {
    expect(hideServerPaths({ n: 1, x: null, s: 'hash 3a7f', list: [true] }, paths)).toEqual({ n: 1, x: null, s: 'hash 3a7f', list: [true] });
    expect(hideServerPaths('/srv/x', { config: '/', dataDir: '/', backupsDir: null })).toBe('/srv/x');
  });
});
