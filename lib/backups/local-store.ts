import 'server-only';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RingsideError } from '../errors';
import { assertBackupId, assertCluster, isBackupId, SIDECAR_SUFFIX } from './object-names';
import { MAX_SIDECAR_BYTES, readSidecar, sidecarText, withDrill } from './sidecar';
import { DigestStream, newestFirst, notFound, storedBackup, writtenMismatch, type BackupStore, type StoreProgress } from './store';
import type { BackupRecord, DrillRecord, StoredBackup } from './types';

/**
 * Backups in a directory on the Ringside machine: `<dir>/<cluster>/<id>` and `<id>.json`, the
 * layout lib/ops/snapshots.ts writes, so its backups list here too. Every file is written to
 * `.part`, fsynced and renamed, and the directory fsynced, so a crash never leaves a file that
 * looks whole but is not; the sidecar is written only after its data is in place. Paths are
 * built from checked IDs and checked again to lie directly inside the cluster's folder.
 */
export class LocalStore implements BackupStore {
  readonly name: string;

  constructor(private readonly dir: string) {
    this.name = `local:${dir}`;
  }

  async put(id: string, body: Readable, record: BackupRecord, onProgress?: (p: StoreProgress) => void): Promise<StoredBackup> {
    const dir = this.clusterDir(record.cluster);
    const file = entryIn(dir, assertBackupId(id));
    const sidecar = sidecarText(record, this.name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (await exists(file)) throw new RingsideError('CONFLICT', `backup: ${id} already exists in ${this.name}`, 'backup');
    const part = `${file}.part`;
    const digest = new DigestStream(onProgress && ((bytes) => onProgress({ bytes })));
    try {
      // wx: a second writer of the same ID fails here instead of interleaving bytes.
      await pipeline(body, digest, createWriteStream(part, { flags: 'wx', mode: 0o600 }));
      const wrong = writtenMismatch(digest, record);
      if (wrong) throw new RingsideError('INTERNAL', `writing ${id} to ${this.name} failed: ${wrong}`);
      await fsync(part);
      await rename(part, file);
      await fsync(dir);
    } catch (e) {
      await rm(part, { force: true });
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new RingsideError('CONFLICT', `backup: ${id} is being written to ${this.name} already`, 'backup');
      throw e;
    }
    await writeAtomically(`${file}${SIDECAR_SUFFIX}`, sidecar);
    return this.stat(record.cluster, id);
  }

  async list(cluster: string): Promise<StoredBackup[]> {
    const dir = this.clusterDir(cluster);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const ids = names.filter((n) => n.endsWith(SIDECAR_SUFFIX)).map((n) => n.slice(0, -SIDECAR_SUFFIX.length)).filter(isBackupId);
    const found = await Promise.all(ids.map((id) => this.stat(cluster, id).catch(() => null)));
    return newestFirst(found.filter((b) => b !== null));
  }

  async stat(cluster: string, id: string): Promise<StoredBackup> {
    const file = entryIn(this.clusterDir(cluster), assertBackupId(id));
    const [data, text] = await Promise.all([stat(file).catch(() => null), readSmall(`${file}${SIDECAR_SUFFIX}`)]);
    const sidecar = text === null ? null : readSidecar(text, cluster);
    if (!data?.isFile() || !sidecar) throw notFound(this.name, cluster, id);
    return storedBackup(id, this.name, sidecar);
  }

  async open(cluster: string, id: string): Promise<Readable> {
    await this.stat(cluster, id);
    return createReadStream(entryIn(this.clusterDir(cluster), id), { highWaterMark: 1 << 20 });
  }

  async delete(cluster: string, id: string): Promise<void> {
    await this.stat(cluster, id);
    const file = entryIn(this.clusterDir(cluster), id);
    // Data first: a crash in between leaves a sidecar without data, which does not list.
    await rm(file, { force: true });
    await rm(`${file}${SIDECAR_SUFFIX}`, { force: true });
    await fsync(this.clusterDir(cluster));
  }

  async recordDrill(cluster: string, id: string, drill: DrillRecord): Promise<StoredBackup> {
    const file = entryIn(this.clusterDir(cluster), assertBackupId(id));
    const text = await readSmall(`${file}${SIDECAR_SUFFIX}`);
    const updated = text === null ? null : withDrill(text, cluster, drill);
    if (updated === null) throw notFound(this.name, cluster, id);
    await writeAtomically(`${file}${SIDECAR_SUFFIX}`, updated);
    return this.stat(cluster, id);
  }

  private clusterDir(cluster: string): string {
    return path.join(this.dir, assertCluster(cluster));
  }
}

/** `dir/name`, refusing anything that would not be an entry directly inside `dir`. */
function entryIn(dir: string, name: string): string {
  const file = path.resolve(dir, name);
  if (path.dirname(file) !== path.resolve(dir) || path.basename(file) !== name) {
    throw new RingsideError('INTERNAL', `refusing ${JSON.stringify(name)}: not a file name inside ${dir}`);
  }
  return file;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** A sidecar's text, or null when it is missing, not a file, or too big to be one. */
async function readSmall(file: string): Promise<string | null> {
  try {
    const s = await stat(file);
    if (!s.isFile() || s.size > MAX_SIDECAR_BYTES) return null;
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** fsync a file (its data) or a directory (a rename in it), so a crash cannot lose what was reported done. */
async function fsync(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const part = `${file}.part`;
  try {
    await writeFile(part, text, { mode: 0o600 });
    await fsync(part);
    await rename(part, file);
    await fsync(path.dirname(file));
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
}
