import 'server-only';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * A small JSON state file replaced atomically: written to a temporary file, fsynced, renamed over
 * the old one, and the directory fsynced, so after a crash at any point the file holds either the
 * old state or the new one, never a torn mix. Saves are serialised and coalesced: while one is
 * being written, later ones collapse into the newest.
 */
export class JsonStateFile<T> {
  private writing: Promise<void> | null = null;
  private next: { json: string; waiters: { resolve: () => void; reject: (e: unknown) => void }[] } | null = null;

  constructor(readonly file: string) {}

  /**
   * The saved state; null when there is none yet. A file that is not JSON (a disk fault, a hand
   * edit) is set aside as `<file>.unreadable-<ms>` and reported as `unreadable`, so Ringside
   * starts, and the evidence stays.
   */
  async load(now: number): Promise<{ state: T | null; unreadable?: string }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: null };
      throw e;
    }
    try {
      return { state: JSON.parse(text) as T };
    } catch {
      const aside = `${this.file}.unreadable-${now}`;
      await rename(this.file, aside);
      return { state: null, unreadable: path.basename(aside) };
    }
  }

  /** Resolves once `state` (or a newer one) is on disk. */
  save(state: T): Promise<void> {
    const json = JSON.stringify(state);
    return new Promise((resolve, reject) => {
      if (this.next) {
        this.next.json = json;
        this.next.waiters.push({ resolve, reject });
      } else {
        this.next = { json, waiters: [{ resolve, reject }] };
      }
      this.writing ??= this.pump();
    });
  }

  private async pump(): Promise<void> {
    while (this.next) {
      const job = this.next;
      this.next = null;
      try {
        await this.write(job.json);
        for (const w of job.waiters) w.resolve();
      } catch (e) {
        for (const w of job.waiters) w.reject(e);
      }
    }
    this.writing = null;
  }

  private async write(json: string): Promise<void> {
    const dir = path.dirname(this.file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(json, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    // The rename itself is durable only once the directory is.
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
