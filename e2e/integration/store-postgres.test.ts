import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../harness/postgres';
import { migrate } from '@/lib/store/postgres';
import { MIGRATIONS } from '@/lib/store/migrations';

let db: Postgres;
beforeAll(async () => {
  db = await startPostgres();
});
afterAll(async () => {
  await db?.stop();
});

describe('PostgreSQL store: migrations', () => {
  it('two replicas migrating at once apply each migration once, in order', async () => {
    const url = await db.createDatabase('migrations_race');
    const pools = [new pg.Pool({ connectionString: url }), new pg.Pool({ connectionString: url })];
    for (const p of pools) p.on('error', () => undefined); // the server's shutdown at the end
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      // One of them did the work, the other found nothing left.
      expect(applied.map((a) => a.length).sort()).toEqual([0, MIGRATIONS.length]);
      expect(db.sql('SELECT version FROM schema_migrations ORDER BY version', 'migrations_race').trim().split('\n').map(Number)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(pools[0])).toEqual([]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
