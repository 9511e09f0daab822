import 'server-only';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isRingsideError, RingsideError } from '../errors';
import { percentEncode } from '../text/http-header';
import { assertBackupId, assertCluster, isBackupId, SIDECAR_SUFFIX } from './object-names';
import { MAX_SIDECAR_BYTES, readSidecar, sidecarText, withDrill } from './sidecar';
import { DigestStream, newestFirst, notFound, storedBackup, writtenMismatch, type BackupStore, type StoreProgress } from './store';
import type { BackupRecord, DrillRecord, StoredBackup } from './types';

export interface S3StoreSettings {
  /** Another S3-compatible service; default: AWS for the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
  forcePathStyle: boolean;
}

/**
 * Parts of a multipart upload: S3's smallest (5 MiB), two in flight. lib-storage holds about
 * (QUEUE + 1) parts, so memory stays flat whatever the db size; S3 allows 10,000 parts, so a db
 * above ~44 GiB (far beyond etcd's 8 GiB) gets bigger parts.
 */
const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 9_000;
const QUEUE = 2;
/** Sidecars are read this many at a time when listing. */
const LIST_CONCURRENCY = 8;

/**
 * Backups in an S3 bucket (AWS or any S3-compatible service): `<prefix><cluster>/<id>` and
 * `<id>.json`. The data is streamed up as a multipart upload (lib-storage's Upload), so memory
 * stays flat whatever the size, and also carries the key facts as object metadata
 * (x-amz-meta-ringside-*), so a bucket browser shows what an object is without its sidecar.
 *
 * Credentials come only from the AWS SDK's default chain (environment, shared profile, web
 * identity, container or instance role), never from Ringside's config.
 *
 * Request checksums are sent only where S3 requires them: the SDK's default streams uploads with
 * trailing CRC checksums (aws-chunked), which many S3-compatible services (s3rver, older MinIO
 * and Ceph) do not understand. The backup's own SHA-256 is checked on the way in (against the
 * spool) and by every drill (against the sidecar), end to end.
 */
export class S3Store implements BackupStore {
  readonly name: string;
  private readonly client: S3Client;

  constructor(private readonly s: S3StoreSettings) {
    this.name = `s3://${s.bucket}/${s.prefix}${s.endpoint ? ` at ${s.endpoint}` : ''}`;
    this.client = new S3Client({
      region: s.region,
      ...(s.endpoint ? { endpoint: s.endpoint } : {}),
      forcePathStyle: s.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // A store that stops answering fails the request instead of holding a backup for ever.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
  }

  async put(id: string, body: Readable, record: BackupRecord, onProgress?: (p: StoreProgress) => void): Promise<StoredBackup> {
    const key = this.key(record.cluster, assertBackupId(id));
    const sidecar = sidecarText(record, this.name);
    if (await this.exists(key)) throw new RingsideError('CONFLICT', `backup: ${id} already exists in ${this.name}`, 'backup');
    const digest = new DigestStream();
    body.once('error', (e) => digest.destroy(e));
    const upload = new Upload({
      client: this.client,
      queueSize: QUEUE,
      partSize: Math.max(MIN_PART, Math.ceil(record.size / MAX_PARTS)),
      leavePartsOnError: false,
      params: { Bucket: this.s.bucket, Key: key, Body: body.pipe(digest), ContentType: 'application/octet-stream', Metadata: objectMetadata(record) },
    });
    if (onProgress) upload.on('httpUploadProgress', (p) => onProgress({ bytes: p.loaded ?? 0, ...(p.part ? { part: p.part } : {}) }));
    await this.call(`upload ${id}`, () => upload.done());
    const wrong = writtenMismatch(digest, record);
    if (wrong) {
      await this.call(`delete ${id}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.s.bucket, Key: key })));
      throw new RingsideError('INTERNAL', `uploading ${id} to ${this.name} failed: ${wrong}`);
    }
    await this.putSidecar(record.cluster, id, sidecar);
    return this.stat(record.cluster, id);
  }

  async list(cluster: string): Promise<StoredBackup[]> {
    const folder = this.key(cluster, '');
    const names = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.call('list', () => this.client.send(new ListObjectsV2Command({ Bucket: this.s.bucket, Prefix: folder, ContinuationToken: token })));
      for (const o of page.Contents ?? []) if (o.Key) names.add(o.Key.slice(folder.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const ids = [...names].filter((n) => n.endsWith(SIDECAR_SUFFIX) && names.has(n.slice(0, -SIDECAR_SUFFIX.length))).map((n) => n.slice(0, -SIDECAR_SUFFIX.length)).filter(isBackupId);
    const found: StoredBackup[] = [];
    for (let i = 0; i < ids.length; i += LIST_CONCURRENCY) {
      const batch = await Promise.all(ids.slice(i, i + LIST_CONCURRENCY).map((id) => this.readSidecar(cluster, id).then((s) => (s ? storedBackup(id, this.name, s) : null))));
      for (const b of batch) if (b) found.push(b);
    }
    return newestFirst(found);
  }

  async stat(cluster: string, id: string): Promise<StoredBackup> {
    const key = this.key(cluster, assertBackupId(id));
    const [sidecar, data] = await Promise.all([this.readSidecar(cluster, id), this.exists(key)]);
    if (!sidecar || !data) throw notFound(this.name, cluster, id);
    return storedBackup(id, this.name, sidecar);
  }

  async open(cluster: string, id: string): Promise<Readable> {
    await this.stat(cluster, id);
    const res = await this.call(`read ${id}`, () => this.client.send(new GetObjectCommand({ Bucket: this.s.bucket, Key: this.key(cluster, id) })));
    if (!(res.Body instanceof Readable)) throw new RingsideError('INTERNAL', `reading ${id} from ${this.name}: no body stream`);
    return res.Body;
  }

  async delete(cluster: string, id: string): Promise<void> {
    await this.stat(cluster, id);
    // Data first: a sidecar left alone does not list; data left alone would cost money unseen.
    for (const key of [this.key(cluster, id), this.key(cluster, `${id}${SIDECAR_SUFFIX}`)]) {
      await this.call(`delete ${id}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.s.bucket, Key: key })));
    }
  }

  async recordDrill(cluster: string, id: string, drill: DrillRecord): Promise<StoredBackup> {
    const text = await this.sidecarText(cluster, assertBackupId(id));
    const updated = text === null ? null : withDrill(text, cluster, drill);
    if (updated === null) throw notFound(this.name, cluster, id);
    await this.putSidecar(cluster, id, updated);
    return this.stat(cluster, id);
  }

  /** Closes the SDK's connections. */
  close(): void {
    this.client.destroy();
  }

  private key(cluster: string, name: string): string {
    return `${this.s.prefix}${assertCluster(cluster)}/${name}`;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.s.bucket, Key: key }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw this.failure('look up', e);
    }
  }

  private async putSidecar(cluster: string, id: string, text: string): Promise<void> {
    await this.call(`write the sidecar of ${id}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.s.bucket, Key: this.key(cluster, `${id}${SIDECAR_SUFFIX}`), Body: text, ContentType: 'application/json' })),
    );
  }

  private async readSidecar(cluster: string, id: string) {
    const text = await this.sidecarText(cluster, id);
    return text === null ? null : readSidecar(text, cluster);
  }

  /** A sidecar's text, or null when it is missing or too big to be one. */
  private async sidecarText(cluster: string, id: string): Promise<string | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.s.bucket, Key: this.key(cluster, `${id}${SIDECAR_SUFFIX}`) }));
      if (!res.Body || (res.ContentLength ?? 0) > MAX_SIDECAR_BYTES) {
        (res.Body as Readable | undefined)?.destroy?.();
        return null;
      }
      return await res.Body.transformToString('utf8');
    } catch (e) {
      if (isMissing(e)) return null;
      throw this.failure(`read the sidecar of ${id}`, e);
    }
  }

  private async call<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw this.failure(what, e);
    }
  }

  /** An S3 failure in words: the operation, the store, and S3's own error code, never a credential. */
  private failure(what: string, e: unknown): RingsideError {
    if (isRingsideError(e)) return e;
    const err = e as Error;
    const code = e instanceof S3ServiceException ? `${e.name} (HTTP ${e.$metadata.httpStatusCode ?? '?'})` : err?.name || 'error';
    const message = (err?.message ?? String(e)).split('\n')[0].slice(0, 200);
    return new RingsideError('UNAVAILABLE', `${this.name}: ${what} failed: ${code}: ${message}`);
  }
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404;
}

/** What a bucket browser shows beside the object. Values are ASCII: the member name goes percent-encoded. */
function objectMetadata(r: BackupRecord): Record<string, string> {
  return {
    'ringside-cluster': r.cluster,
    'ringside-member-id': r.member.id,
    'ringside-member-name': percentEncode(r.member.name),
    'ringside-revision': String(r.revision),
    'ringside-taken-at': r.takenAt,
    'ringside-etcd-version': r.etcdVersion ?? 'unknown',
    'ringside-encrypted': String(r.encrypted),
    'ringside-sha256': r.sha256 ?? 'unknown',
    'ringside-snapshot-sha256': r.snapshot.sha256,
  };
}
