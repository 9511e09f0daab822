import 'server-only';
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditEntry, AuditQuery, AuditStore } from './types';

/**
 * The audit log: one JSON line per entry, appended and fsynced before an action is reported
 * done, never rewritten. A crash mid-write leaves at most a torn last line, which reading skips
 * and the next append starts after (on a new line), so nothing already written is lost.
 */
export class AuditLog implements AuditStore {
  private handle: Promise<FileHandle> | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Appends one entry durably; resolves once it is on disk. Appends are serialised. */
  append(entry: AuditEntry): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    const next = this.tail.then(async () => {
      const fh = await this.open();
      await fh.appendFile(line, 'utf8');
      await fh.datasync();
    });
    // One failed append must not poison the ones after it.
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * The newest entries first, at most `limit`, optionally of one cluster. Streams the file, so a
   * long log costs time, not memory beyond `limit` entries.
   */
  async query(opts: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = opts.limit ?? 200;
    const kept: AuditEntry[] = [];
    try {
      await stat(this.file);
    } catch {
      return [];
    }
    await this.tail; // see our own last append
    const lines = createInterface({ input: createReadStream(this.file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      const entry = parseLine(line);
      if (!entry) continue;
      if (opts.cluster && entry.cluster !== opts.cluster) continue;
      if (opts.action && !opts.action.includes(entry.action)) continue;
      kept.push(entry);
      if (kept.length > limit * 2) kept.splice(0, kept.length - limit);
    }
    return kept.slice(-limit).reverse();
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await (await h).close();
  }

  private open(): Promise<FileHandle> {
    this.handle ??= (async () => {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const fh = await open(this.file, 'a+', 0o600);
      // A torn last line from a crash: end it so the next entry starts on its own line.
      const { size } = await fh.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) await fh.appendFile('\n');
      }
      return fh;
    })().catch((e) => {
      this.handle = null;
      throw e;
    });
    return this.handle;
  }
}

function parseLine(line: string): AuditEntry | null {
  if (!line.trim()) return null;
  try {
    const v = JSON.parse(line) as AuditEntry;
    return v && typeof v === 'object' && typeof v.action === 'string' && typeof v.cluster === 'string' ? v : null;
  } catch {
    return null; // a torn line from a crash
  }
}
