/**
 * The PostgreSQL schema, as numbered migrations applied in order, each once, recorded in
 * `schema_migrations`. Never edit a migration that has shipped: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ringside state',
    sql: `
CREATE TABLE audit_log (
  seq bigserial PRIMARY KEY,
  id text NOT NULL,
  at timestamptz NOT NULL,
  cluster text NOT NULL,
  action text NOT NULL,
  entry jsonb NOT NULL
);
CREATE INDEX audit_log_cluster ON audit_log (cluster, seq DESC);
CREATE INDEX audit_log_action ON audit_log (action, seq DESC);

CREATE TABLE sessions (
  key text PRIMARY KEY,
  user_name text NOT NULL,
  role text NOT NULL,
  via text NOT NULL,
  csrf_token text NOT NULL,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL
);

CREATE TABLE operations (
  id text PRIMARY KEY,
  cluster text NOT NULL,
  state text NOT NULL,
  holder text NOT NULL,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL
);
CREATE INDEX operations_cluster ON operations (cluster, started_at DESC);

CREATE TABLE operation_locks (
  cluster text PRIMARY KEY,
  operation_id text NOT NULL,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE state_cells (
  name text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE history_samples (
  cluster text NOT NULL,
  at bigint NOT NULL,
  sample jsonb NOT NULL
);
CREATE INDEX history_samples_at ON history_samples (cluster, at);

CREATE TABLE history_minutes (
  cluster text NOT NULL,
  bucket bigint NOT NULL,
  row jsonb NOT NULL,
  PRIMARY KEY (cluster, bucket)
);
`,
  },
  {
    version: 2,
    name: 'shared timeline',
    sql: `
CREATE TABLE timeline_entries (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  at timestamptz NOT NULL,
  cluster text NOT NULL,
  entry jsonb NOT NULL
);
CREATE INDEX timeline_entries_at ON timeline_entries (at);
`,
  },
  {
    version: 3,
    name: 'shared sign-in throttle',
    sql: `
CREATE TABLE signin_failures (
  user_name text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX signin_failures_user ON signin_failures (user_name, at DESC);
CREATE INDEX signin_failures_at ON signin_failures (at);

CREATE TABLE signin_devices (
  user_name text NOT NULL,
  key text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (user_name, key)
);
`,
  },
];

/** The migrations still to apply, in order; refuses a list that is out of order or has gaps. */
export function pending(all: readonly Migration[], applied: ReadonlySet<number>): Migration[] {
  all.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} is numbered ${m.version}, expected ${i + 1}: migrations are numbered 1, 2, 3... in order`);
  });
  const newest = Math.max(0, ...applied);
  if (newest > all.length) throw new Error(`the database is at schema version ${newest}, newer than this Ringside knows (${all.length}): run the newer version, or a database of its own`);
  return all.filter((m) => !applied.has(m.version));
}

/** Any key: one number for "Ringside migrates", so replicas that start together take turns. */
export const MIGRATION_LOCK = 0x72696e67; // "ring"
