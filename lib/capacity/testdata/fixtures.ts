// A real etcd 3.4.23 snapshot of a small Kubernetes-shaped keyspace and what etcd itself said
// of it, made by capture.ts in this folder.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The snapshot's bytes: bbolt database plus SHA-256 trailer. */
export const keyspaceDb: Buffer = gunzipSync(readFileSync(path.join(__dirname, 'etcd-3.4.23-keyspace.db.gz')));

export interface ExpectedKey {
  /** latin1, one char per byte. */
  key: string;
  valueSize: number;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: string;
  revisions: number;
  historyBytes: number;
}

/** From etcdctl (live keys, leases) and a watch replay (history since the compaction). */
export const expectedKeyspace = JSON.parse(readFileSync(path.join(__dirname, 'etcd-3.4.23-keyspace.json'), 'utf8')) as {
  revision: number;
  compactRevision: number;
  rewrittenKey: string;
  idleLease: string;
  keys: ExpectedKey[];
  deleted: { key: string; revisions: number; historyBytes: number }[];
  leases: { id: string; ttl: number; keys: number }[];
};

/** Raw records of buckets "key", "lease" and "meta" (hex), each beside what etcd said of it. */
export const rawRecords = JSON.parse(readFileSync(path.join(__dirname, 'records.json'), 'utf8')) as {
  bucket: 'key' | 'lease' | 'meta';
  key: string;
  value: string;
  etcd: Record<string, unknown>;
}[];
