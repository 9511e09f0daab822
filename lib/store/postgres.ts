import 'server-only';
import pg from 'pg';
import type { AuditEntry, AuditQuery, AuditStore } from '../audit/types';
import { RingsideError } from '../errors';
import type { HistorySample } from '../model/series';
import { systemClock } from '../monitor/clock';
import type { Operation } from '../ops/types';
import { LeaseKeeper, type LeaseTable } from './lease';
import { MIGRATION_LOCK, MIGRATIONS, pending } from './migrations';
import { interruptedOperation } from '../ops/interrupted';
import type { TimelineEntry } from '../timeline/types';
import type { HistoryLog, Lease, MinuteRow, OperationLocks, RingsideStore, SessionShare, SignInShare, StateCell, StoredSession, TimelineLog } from './types';

export interface PostgresOptions {
  url: string;
  /** The config key the URL came from, for messages (never the URL: it holds a password). */
  urlEnv: string;
  leaseMs: number;
  replica: string;
  log?: (line: string) => void;
}

/**
 * Opens the store: connects, applies pending migrations under an advisory lock (two replicas that
 * start together take turns; the second finds nothing to do), and hands back the store. A
 * database that cannot be reached is one clear error naming the variable, nothing half-done.
 */
export async function openPostgres(opts: PostgresOptions): Promise<PostgresStore> {
  const pool = new pg.Pool({ connectionString: opts.url, max: 8, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
  // An idle client losing its server (a database restart) must not take the process down.
  pool.on('error', (e) => (opts.log ?? console.warn)(`[ringside] postgres: ${e.message}`));
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end().catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    throw new RingsideError('UNAVAILABLE', `store.postgres: cannot use the database in ${opts.urlEnv} (${err.code ?? ''}${err.code ? ': ' : ''}${err.message.split('\n')[0].slice(0, 200)})`);
  }
  return new PostgresStore(pool, opts);
}

/**
 * A client out of the pool for a transaction. The pool listens for a lost connection only on idle
 * clients: a checked-out one would throw the error at the process, so it gets a listener of its
 * own while it is out (the query in flight fails on its own), and goes back destroyed if it broke.
 */
async function checkout(pool: pg.Pool): Promise<pg.PoolClient & { done(): void }> {
  const c = await pool.connect();
  let broken: Error | undefined;
  const onError = (e: Error) => (broken = e);
  c.on('error', onError);
  return Object.assign(c, {
    done() {
      c.off('error', onError);
      c.release(broken);
    },
  });
}

export async function migrate(pool: pg.Pool): Promise<number[]> {
  const c = await checkout(pool);
  try {
    await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
      const todo = pending(MIGRATIONS, new Set(rows.map((r) => r.version)));
      for (const m of todo) {
        await c.query('BEGIN');
        try {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK');
          throw e;
        }
      }
      return todo.map((m) => m.version);
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    c.done();
  }
}

export class PostgresStore implements RingsideStore {
  readonly kind = 'postgres' as const;
  readonly replica: string;
  readonly audit: AuditStore;
  readonly locks: PostgresLocks;
  readonly sessions: SessionShare;
  readonly signIns: SignInShare;
  readonly history: HistoryLog;
  readonly timeline: TimelineLog;
  private readonly leases = new Map<string, LeaseKeeper>();

  constructor(
    readonly pool: pg.Pool,
    private readonly opts: PostgresOptions,
  ) {
    this.replica = opts.replica;
    this.audit = new PostgresAudit(pool);
    this.locks = new PostgresLocks(pool, opts.replica, opts.leaseMs, opts.log ?? ((l) => console.warn(l)));
    this.sessions = new PostgresSessions(pool);
    this.signIns = new PostgresSignIns(pool);
    this.history = new PostgresHistory(pool);
    this.timeline = new PostgresTimeline(pool);
  }

  cell<T>(name: string): StateCell<T> {
    const pool = this.pool;
    let tail: Promise<unknown> = Promise.resolve();
    return {
      async load() {
        const { rows } = await pool.query<{ value: T }>('SELECT value FROM state_cells WHERE name = $1', [name]);
        return { state: rows[0]?.value ?? null };
      },
      save(state) {
        const json = JSON.stringify(state);
        const next = tail.then(() =>
          pool.query('INSERT INTO state_cells (name, value, updated_at) VALUES ($1, $2, now()) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()', [name, json]),
        );
        tail = next.catch(() => undefined);
        return next.then(() => undefined);
      },
    };
  }

  lease(name: string): Lease {
    let l = this.leases.get(name);
    if (!l) this.leases.set(name, (l = new LeaseKeeper(new PostgresLeaseTable(this.pool), name, this.replica, this.opts.leaseMs, systemClock, this.opts.log)));
    return l;
  }

  async close(): Promise<void> {
    await Promise.all([...this.leases.values()].map((l) => l.stop()));
    await this.locks.stop();
    await this.pool.end();
  }
}

class PostgresLeaseTable implements LeaseTable {
  constructor(private readonly pool: pg.Pool) {}

  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()`,
      [name, holder, ttlMs],
    );
    return rowCount === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.pool.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
  }
}

class PostgresAudit implements AuditStore {
  constructor(private readonly pool: pg.Pool) {}

  async append(e: AuditEntry): Promise<void> {
    await this.pool.query('INSERT INTO audit_log (id, at, cluster, action, entry) VALUES ($1, $2, $3, $4, $5)', [e.id, e.at, e.cluster, e.action, JSON.stringify(e)]);
  }

  async query(q: AuditQuery = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.cluster) where.push(`cluster = $${args.push(q.cluster)}`);
    if (q.action) where.push(`action = ANY($${args.push(q.action)})`);
    const { rows } = await this.pool.query<{ entry: AuditEntry }>(
      `SELECT entry FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${args.push(q.limit ?? 200)}`,
      args,
    );
    return rows.map((r) => r.entry);
  }
}

/**
 * Operation locks: one row per cluster, renewed every lease/3 while its operation runs. Every
 * replica sweeps each second: a lock past its expiry belonged to a replica that stopped, so its
 * operation is marked interrupted (with the step it stood at) and the lock goes, in one
 * transaction; then it reads the operations others run or ran, for `others()`.
 */
export class PostgresLocks implements OperationLocks {
  private readonly mine = new Map<string, { op: Operation; dirty: boolean }>();
  private cache = new Map<string, Operation[]>();
  /** What each operation of the others looked like at the last sweep, to tell only changes. */
  private seen = new Map<string, string>();
  private swept = false;
  private lastPrune = 0;
  /** Told of every change in another replica's operation (its steps, its end, an interruption). */
  onChange: ((op: Operation) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly replica: string,
    private readonly ttlMs: number,
    private readonly log: (line: string) => void,
  ) {}

  async acquire(op: Operation): Promise<void> {
    const c = await checkout(this.pool);
    try {
      await c.query('BEGIN');
      await interruptExpired(c);
      const taken = await c.query(
        `INSERT INTO operation_locks (cluster, operation_id, holder, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond') ON CONFLICT (cluster) DO NOTHING`,
        [op.cluster, op.id, this.replica, this.ttlMs],
      );
      if (taken.rowCount !== 1) {
        const { rows } = await c.query<{ holder: string; body: Operation | null }>(
          'SELECT l.holder, o.body FROM operation_locks l LEFT JOIN operations o ON o.id = l.operation_id WHERE l.cluster = $1',
          [op.cluster],
        );
        await c.query('ROLLBACK');
        const cur = rows[0]?.body;
        const secs = cur ? Math.round((Date.now() - Date.parse(cur.startedAt)) / 1000) : 0;
        throw new RingsideError(
          'CONFLICT',
          cur
            ? `${cur.action} by ${cur.user} is running on ${op.cluster} (started ${secs} s ago, on replica ${rows[0].holder}); one operation at a time`
            : `another operation is starting on ${op.cluster} (on replica ${rows[0]?.holder ?? 'unknown'}); one operation at a time`,
        );
      }
      await c.query('INSERT INTO operations (id, cluster, state, holder, started_at, body) VALUES ($1, $2, $3, $4, $5, $6)', [op.id, op.cluster, op.state, this.replica, op.startedAt, JSON.stringify(op)]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.done();
    }
    this.mine.set(op.id, { op, dirty: false });
  }

  update(op: Operation): void {
    const m = this.mine.get(op.id);
    if (m) m.dirty = true;
  }

  async release(op: Operation): Promise<void> {
    this.mine.delete(op.id);
    let c: Awaited<ReturnType<typeof checkout>>;
    try {
      c = await checkout(this.pool);
    } catch (e) {
      this.log(`[ringside] cannot release the lock of ${op.action} on ${op.cluster}: ${(e as Error).message}; it frees itself within ${this.ttlMs / 1000} s`);
      return;
    }
    try {
      await c.query('BEGIN');
      await c.query('UPDATE operations SET state = $2, body = $3, updated_at = now() WHERE id = $1', [op.id, op.state, JSON.stringify(op)]);
      await c.query('DELETE FROM operation_locks WHERE cluster = $1 AND operation_id = $2', [op.cluster, op.id]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      this.log(`[ringside] cannot release the lock of ${op.action} on ${op.cluster}: ${(e as Error).message}; it frees itself within ${this.ttlMs / 1000} s`);
    } finally {
      c.done();
    }
  }

  others(cluster: string): Operation[] {
    return (this.cache.get(cluster) ?? []).filter((o) => !this.mine.has(o.id));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), 1000);
    this.renewTimer = setInterval(() => void this.renew(), Math.max(500, Math.floor(this.ttlMs / 3)));
    void this.sweep();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.timer = this.renewTimer = null;
    await this.sweeping;
  }

  /** Renews this replica's locks, with each operation's latest steps for the other replicas. */
  async renew(): Promise<void> {
    for (const [id, m] of this.mine) {
      try {
        const r = await this.pool.query(
          `UPDATE operation_locks SET expires_at = now() + $3 * interval '1 millisecond' WHERE cluster = $1 AND operation_id = $2`,
          [m.op.cluster, id, this.ttlMs],
        );
        if (r.rowCount !== 1) this.log(`[ringside] the lock of ${m.op.action} on ${m.op.cluster} was lost (it expired); the operation goes on, but others may now act on the ring`);
        if (m.dirty) {
          m.dirty = false;
          await this.pool.query("UPDATE operations SET body = $2, updated_at = now() WHERE id = $1 AND state = 'running'", [id, JSON.stringify(m.op)]);
        }
      } catch (e) {
        this.log(`[ringside] cannot renew the lock of ${m.op.action} on ${m.op.cluster}: ${(e as Error).message}`);
      }
    }
  }

  /** Interrupts what expired and reads what the other replicas do (the sweep's timer; tests call it). */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const c = await checkout(this.pool);
        try {
          await c.query('BEGIN');
          await interruptExpired(c);
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw e;
        } finally {
          c.done();
        }
        if (Date.now() - this.lastPrune > 600_000) {
          this.lastPrune = Date.now();
          // The audit log keeps every operation for good; this table only what the pages list.
          await this.pool.query("DELETE FROM operations WHERE state <> 'running' AND updated_at < now() - interval '7 days'");
        }
        const { rows } = await this.pool.query<{ body: Operation }>(
          `SELECT body FROM (SELECT body, started_at, row_number() OVER (PARTITION BY cluster ORDER BY started_at DESC) AS n FROM operations) o WHERE n <= 50 ORDER BY started_at DESC`,
        );
        const next = new Map<string, Operation[]>();
        const seen = new Map<string, string>();
        for (const { body } of rows) {
          const list = next.get(body.cluster) ?? [];
          list.push(body);
          next.set(body.cluster, list);
          const json = JSON.stringify(body);
          seen.set(body.id, json);
          // The first sweep only learns what exists; later ones tell what changed.
          if (this.swept && this.seen.get(body.id) !== json && !this.mine.has(body.id)) this.onChange?.(body);
        }
        this.cache = next;
        this.seen = seen;
        this.swept = true;
      } catch (e) {
        this.log(`[ringside] cannot read the operations of the other replicas: ${(e as Error).message}`);
      }
    })().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }
}

/** In a transaction: every lock past its expiry ends, and its operation shows as interrupted. */
async function interruptExpired(c: pg.PoolClient): Promise<void> {
  const { rows } = await c.query<{ operation_id: string; holder: string; body: Operation | null }>(
    'DELETE FROM operation_locks l WHERE l.expires_at < now() RETURNING l.operation_id, l.holder, (SELECT body FROM operations o WHERE o.id = l.operation_id) AS body',
  );
  for (const r of rows) {
    if (!r.body) continue;
    const op = interruptedOperation(r.body, r.holder, new Date().toISOString());
    await c.query("UPDATE operations SET state = 'interrupted', body = $2, updated_at = now() WHERE id = $1 AND state = 'running'", [r.operation_id, JSON.stringify(op)]);
  }
}

class PostgresSignIns implements SignInShare {
  constructor(private readonly pool: pg.Pool) {}

  async failures(user: string, since: number, limit: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ at: string }>('SELECT at FROM signin_failures WHERE user_name = $1 AND at >= $2 ORDER BY at DESC LIMIT $3', [user, since, limit]);
    return rows.map((r) => Number(r.at));
  }

  async recordFailure(user: string, at: number, forgetBefore: number): Promise<void> {
    await this.pool.query('INSERT INTO signin_failures (user_name, at) VALUES ($1, $2)', [user, at]);
    await this.pool.query('DELETE FROM signin_failures WHERE at < $1', [forgetBefore]);
  }

  async knowsDevice(user: string, deviceKey: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM signin_devices WHERE user_name = $1 AND key = $2', [user, deviceKey]);
    return rowCount === 1;
  }

  async addDevice(user: string, deviceKey: string, at: number, maxPerUser: number): Promise<void> {
    await this.pool.query('INSERT INTO signin_devices (user_name, key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [user, deviceKey, at]);
    await this.pool.query('DELETE FROM signin_devices WHERE user_name = $1 AND key NOT IN (SELECT key FROM signin_devices WHERE user_name = $1 ORDER BY created_at DESC, key LIMIT $2)', [user, maxPerUser]);
  }
}

class PostgresSessions implements SessionShare {
  constructor(private readonly pool: pg.Pool) {}

  async put(s: StoredSession): Promise<void> {
    await this.pool.query(
      `WITH i AS (INSERT INTO sessions (key, user_name, role, via, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING key)
       SELECT pg_notify('ringside_sessions', key) FROM i`,
      [s.key, s.user, s.role, s.via, s.csrfToken, s.createdAt, s.lastSeenAt],
    );
  }

  async remove(key: string): Promise<void> {
    await this.pool.query(`WITH d AS (DELETE FROM sessions WHERE key = $1 RETURNING key) SELECT pg_notify('ringside_sessions', key) FROM d`, [key]);
  }

  async touch(seen: ReadonlyMap<string, number>): Promise<void> {
    if (!seen.size) return;
    await this.pool.query('UPDATE sessions s SET last_seen_at = GREATEST(s.last_seen_at, v.at) FROM unnest($1::text[], $2::bigint[]) AS v(key, at) WHERE s.key = v.key', [
      [...seen.keys()],
      [...seen.values()],
    ]);
  }

  async get(key: string): Promise<StoredSession | null> {
    const { rows } = await this.pool.query(`${SESSION_SELECT} WHERE key = $1`, [key]);
    return rows[0] ? sessionOf(rows[0]) : null;
  }

  async prune(idleBefore: number, createdBefore: number): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2', [idleBefore, createdBefore]);
  }

  async all(): Promise<StoredSession[]> {
    const { rows } = await this.pool.query(SESSION_SELECT);
    return rows.map(sessionOf);
  }

  /**
   * LISTEN on a client of its own. A lost connection (a database restart) is listened again after
   * a pause, and `fn('')` then asks the caller to read everything again (notes may have been missed).
   */
  async listen(fn: (key: string) => void): Promise<() => Promise<void>> {
    let client: pg.PoolClient | null = null;
    let stopped = false;
    let retry: NodeJS.Timeout | null = null;
    const open = async (): Promise<void> => {
      const c = await this.pool.connect();
      c.on('notification', (n: pg.Notification) => n.channel === 'ringside_sessions' && n.payload && fn(n.payload));
      c.on('error', () => {
        c.release(true);
        if (client === c) client = null;
        if (!stopped) retry = setTimeout(again, 2000);
      });
      await c.query('LISTEN ringside_sessions');
      client = c;
    };
    const again = () => {
      open().then(
        () => fn(''),
        () => {
          if (!stopped) retry = setTimeout(again, 2000);
        },
      );
    };
    await open();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      if (c) {
        await c.query('UNLISTEN ringside_sessions').catch(() => undefined);
        c.release();
      }
    };
  }
}

const SESSION_SELECT = 'SELECT key, user_name, role, via, csrf_token, created_at, last_seen_at FROM sessions';

function sessionOf(r: Record<string, unknown>): StoredSession {
  return {
    key: r.key as string,
    user: r.user_name as string,
    role: r.role as StoredSession['role'],
    via: r.via as StoredSession['via'],
    csrfToken: r.csrf_token as string,
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
  };
}

class PostgresHistory implements HistoryLog {
  constructor(private readonly pool: pg.Pool) {}

  async appendSamples(cluster: string, samples: readonly HistorySample[]): Promise<void> {
    if (!samples.length) return;
    await this.pool.query('INSERT INTO history_samples (cluster, at, sample) SELECT $1, v.at, v.sample FROM unnest($2::bigint[], $3::jsonb[]) AS v(at, sample)', [
      cluster,
      samples.map((s) => s.at),
      samples.map((s) => JSON.stringify(s)),
    ]);
  }

  async appendMinutes(cluster: string, rows: readonly MinuteRow[]): Promise<void> {
    if (!rows.length) return;
    await this.pool.query(
      'INSERT INTO history_minutes (cluster, bucket, row) SELECT $1, v.bucket, v.row FROM unnest($2::bigint[], $3::jsonb[]) AS v(bucket, row) ON CONFLICT (cluster, bucket) DO UPDATE SET row = EXCLUDED.row',
      [cluster, rows.map((r) => r.bucket), rows.map((r) => JSON.stringify(r))],
    );
  }

  async load(cluster: string, samplesFrom: number, minutesFrom: number): Promise<{ samples: HistorySample[]; minutes: MinuteRow[] }> {
    const s = await this.pool.query<{ sample: HistorySample }>('SELECT sample FROM history_samples WHERE cluster = $1 AND at >= $2 ORDER BY at', [cluster, samplesFrom]);
    const m = await this.pool.query<{ row: MinuteRow }>('SELECT row FROM history_minutes WHERE cluster = $1 AND bucket >= $2 ORDER BY bucket', [cluster, minutesFrom]);
    return { samples: s.rows.map((r) => r.sample), minutes: m.rows.map((r) => r.row) };
  }

  async prune(cluster: string, samplesBefore: number, minutesBefore: number): Promise<void> {
    await this.pool.query('DELETE FROM history_samples WHERE cluster = $1 AND at < $2', [cluster, samplesBefore]);
    await this.pool.query('DELETE FROM history_minutes WHERE cluster = $1 AND bucket < $2', [cluster, minutesBefore]);
  }
}

class PostgresTimeline implements TimelineLog {
  constructor(private readonly pool: pg.Pool) {}

  async append(entries: readonly TimelineEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.pool.query(
      'INSERT INTO timeline_entries (id, at, cluster, entry) SELECT v.id, v.at, v.cluster, v.entry FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::jsonb[]) AS v(id, at, cluster, entry) ON CONFLICT (id) DO NOTHING',
      [entries.map((e) => e.id), entries.map((e) => e.at), entries.map((e) => e.cluster), entries.map((e) => JSON.stringify(e))],
    );
  }

  async since(seq: number, limit: number): Promise<{ entries: TimelineEntry[]; seq: number }> {
    const { rows } = await this.pool.query<{ seq: string; entry: TimelineEntry }>('SELECT seq, entry FROM timeline_entries WHERE seq > $1 ORDER BY seq LIMIT $2', [seq, limit]);
    return { entries: rows.map((r) => r.entry), seq: rows.length ? Number(rows.at(-1)!.seq) : seq };
  }

  async recent(fromMs: number, limit: number): Promise<{ entries: TimelineEntry[]; seq: number }> {
    const top = await this.pool.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM timeline_entries');
    const { rows } = await this.pool.query<{ entry: TimelineEntry }>('SELECT entry FROM timeline_entries WHERE at >= $1 ORDER BY seq DESC LIMIT $2', [new Date(fromMs).toISOString(), limit]);
    return { entries: rows.map((r) => r.entry).reverse(), seq: Number(top.rows[0]?.seq ?? 0) };
  }

  async prune(beforeMs: number): Promise<void> {
    await this.pool.query('DELETE FROM timeline_entries WHERE at < $1', [new Date(beforeMs).toISOString()]);
  }
}
